// The checker: fans the event stream out to the enabled judges.
#include "checker/checker.hpp"

namespace interleave {

void Checker::begin_run() {
  begin(false);
}

void Checker::begin_rewindable_run() {
  begin(true);
}

void Checker::begin(bool rewindable) {
  if (options_.races) {
    if (rewindable) {
      races_.begin_rewindable_run();
    } else {
      races_.begin_run();
    }
  }
  if (options_.lock_order) lock_order_.begin_run();
  calls_ = 0;
  lock_calls_.clear();
  rewindable_ = rewindable && !options_.explain;
}

bool Checker::rewind(uint64_t calls) {
  if (!rewindable_ || calls > calls_) return false;
  if (options_.races && !races_.rewind(calls)) return false;
  if (options_.lock_order && !lock_calls_.empty() && lock_calls_.back().number >= calls) {
    while (!lock_calls_.empty() && lock_calls_.back().number >= calls) lock_calls_.pop_back();
    lock_order_.begin_run();
    for (const HeardCall& c : lock_calls_) {
      if (c.starts_thread) {
        lock_order_.on_thread(c.event.thread, c.event.name, c.parent, c.event.object);
      } else {
        lock_order_.on_event(c.event);
      }
    }
  }
  calls_ = calls;
  return true;
}

void Checker::end_run(std::vector<Finding>& findings) {
  if (options_.races) races_.end_run(findings);
  if (options_.lock_order) lock_order_.end_run(findings);
}

void Checker::on_thread(ThreadId thread, const char* name, ThreadId parent, ObjectId loop) {
  const uint64_t number = calls_++;
  if (options_.races) races_.on_thread(thread, name, parent, loop);
  if (options_.lock_order) {
    lock_order_.on_thread(thread, name, parent, loop);
    if (rewindable_) {
      HeardCall& c = lock_calls_.emplace_back();
      c.number = number;
      c.starts_thread = true;
      c.event.thread = thread;
      c.event.name = name;
      c.event.object = loop;
      c.parent = parent;
    }
  }
}

void Checker::on_event(const Event& event) {
  const uint64_t number = calls_++;
  if (options_.races) races_.on_event(event);
  // Only mutex operations matter to the lock-order checker; skip the call for the rest.
  if (options_.lock_order && event.op >= Op::kLock && event.op <= Op::kWake) {
    lock_order_.on_event(event);
    if (rewindable_) lock_calls_.push_back(HeardCall{number, false, event, kNoThread});
  }
}

}  // namespace interleave
