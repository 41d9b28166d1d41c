// Offline judgement: rebuild the event stream (ids, names, locations) from a trace's text.
#include "cli/offline_check.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <string>

#include "checker/checker.hpp"
#include "sim/input_error.hpp"

namespace interleave::cli {
namespace {

/// Stable storage for the names and files events point at, and ids for object labels.
class Interner {
 public:
  const char* text(const std::string& s) {
    auto it = texts_.find(s);
    if (it == texts_.end()) it = texts_.emplace(s, &store_.emplace_back(s)).first;
    return it->second->c_str();
  }
  ObjectId object(const std::string& label) {
    auto it = objects_.find(label);
    if (it == objects_.end()) {
      it = objects_.emplace(label, ObjectId{static_cast<uint32_t>(objects_.size())}).first;
    }
    return it->second;
  }
  /// "values[1]" -> ("values", 1); "x" -> ("x", -1).
  std::pair<const char*, int32_t> split(const std::string& label) {
    const auto open = label.rfind('[');
    if (open != std::string::npos && label.back() == ']' && open + 2 < label.size()) {
      const std::string digits = label.substr(open + 1, label.size() - open - 2);
      if (digits.find_first_not_of("0123456789") == std::string::npos) {
        return {text(label.substr(0, open)), std::stoi(digits)};
      }
    }
    return {text(label), -1};
  }
  Loc loc(const std::string& where) {
    const auto colon = where.rfind(':');
    if (colon == std::string::npos) return Loc{};
    return Loc{text(where.substr(0, colon)),
               static_cast<unsigned>(std::strtoul(where.c_str() + colon + 1, nullptr, 10))};
  }

 private:
  std::deque<std::string> store_;
  std::map<std::string, const std::string*> texts_;
  std::map<std::string, ObjectId> objects_;
};

}  // namespace

std::vector<Finding> check_offline(const Trace& t) {
  if (t.events.empty()) throw InputError("the trace records no events to check");
  Interner names;
  Checker checker;
  checker.begin_run();
  auto thread_name = [&](uint32_t id) {
    return names.text(id < t.threads.size() ? t.threads[id] : "thread " + std::to_string(id));
  };
  checker.on_thread(ThreadId{0}, thread_name(0), kNoThread, kNoObject);
  std::vector<Finding> failed_checks;
  for (const RecordedEvent& r : t.events) {
    Event e;
    e.step = r.step;
    e.thread = ThreadId{r.thread};
    e.op = r.op;
    e.value = r.value;
    e.loc = names.loc(r.loc);
    if (r.op == Op::kCheck || r.op == Op::kNote) {
      e.name = names.text(r.object);
    } else if (!r.object.empty()) {
      e.object = names.object(r.object);
      std::tie(e.name, e.index) = names.split(r.object);
    }
    if (!r.aux.empty()) e.aux = names.object(r.aux);
    e.order = r.order;
    if (r.op == Op::kSpawn) {
      const auto child = static_cast<uint32_t>(r.value);
      checker.on_thread(ThreadId{child}, thread_name(child), e.thread, e.object);
    }
    if (r.op == Op::kCheck && r.value == 0) {
      const std::string message = "check failed: " + r.object + " at " + r.loc;
      bool seen = false;
      for (const Finding& f : failed_checks) seen |= f.message == message;
      if (!seen) {
        failed_checks.push_back(Finding{FindingKind::kInvariant,
                                        message,
                                        r.step,
                                        {},
                                        {"failed in thread '" + std::string(thread_name(r.thread)) +
                                         "' at step " + std::to_string(r.step)}});
      }
    }
    checker.on_event(e);
  }
  std::vector<Finding> findings = failed_checks;
  checker.end_run(findings);
  // A deadlock or a step limit is judged by the scheduler, which knows who could still run;
  // events show only who never finished. Such a verdict is reported as recorded, with that.
  if (t.verdict &&
      (t.verdict->kind == FindingKind::kDeadlock || t.verdict->kind == FindingKind::kStepLimit)) {
    std::vector<bool> finished;
    std::vector<bool> seen;
    for (const RecordedEvent& r : t.events) {
      const uint32_t child = r.op == Op::kSpawn ? static_cast<uint32_t>(r.value) : r.thread;
      const uint32_t most = std::max(r.thread, child);
      if (seen.size() <= most) {
        seen.resize(most + 1, false);
        finished.resize(most + 1, false);
      }
      seen[r.thread] = seen[child] = true;
      if (r.op == Op::kFinish) finished[r.thread] = true;
    }
    std::string unfinished;
    for (uint32_t id = 0; id < seen.size(); ++id) {
      if (seen[id] && !finished[id]) {
        unfinished += (unfinished.empty() ? "'" : ", '") + std::string(thread_name(id)) + "'";
      }
    }
    if (unfinished.empty()) {
      throw InputError("the trace records a " + std::string(kind_name(t.verdict->kind)) +
                       " but every thread finishes in its events");
    }
    findings.insert(findings.begin(),
                    Finding{t.verdict->kind,
                            t.verdict->message,
                            t.verdict->step,
                            {},
                            {"as the trace recorded it; its events end with " + unfinished +
                             " unfinished ('replay' without --check runs the model to confirm "
                             "it)"}});
  }
  return findings;
}

}  // namespace interleave::cli
