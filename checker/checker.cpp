// The checker: fans the event stream out to the enabled judges.
#include "checker/checker.hpp"

namespace interleave {

void Checker::begin_run() {
  if (options_.races) races_.begin_run();
  if (options_.lock_order) lock_order_.begin_run();
}

void Checker::end_run(std::vector<Finding>& findings) {
  if (options_.races) races_.end_run(findings);
  if (options_.lock_order) lock_order_.end_run(findings);
}

void Checker::on_thread(ThreadId thread, const char* name, ThreadId parent, ObjectId loop) {
  if (options_.races) races_.on_thread(thread, name, parent, loop);
  if (options_.lock_order) lock_order_.on_thread(thread, name, parent, loop);
}

void Checker::on_event(const Event& event) {
  if (options_.races) races_.on_event(event);
  // Only mutex operations matter to the lock-order checker; skip the call for the rest.
  if (options_.lock_order && event.op >= Op::kLock && event.op <= Op::kWake) {
    lock_order_.on_event(event);
  }
}

}  // namespace interleave
