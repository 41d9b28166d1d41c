// Sorts runs into Mazurkiewicz traces: the ground truth dpor is checked against (dfs runs every
// interleaving, and dpor --all must run each of their traces once).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <string_view>
#include <vector>

#include "sim/dependence.hpp"
#include "sim/event.hpp"
#include "sim/pending.hpp"

namespace interleave::testing {

/// Sorts each run into its trace: the steps it took, as the dependence relation orders them,
/// written out in one canonical interleaving (at each point, the lowest thread whose next step
/// has everything ordered before it done). Two runs are in one trace exactly when they give the
/// same canonical interleaving.
class TraceClasses final : public Monitor {
 public:
  void begin_run() override {
    steps_.clear();
    waiting_.clear();
    notes_.clear();
    loop_of_.assign(1, kNoObject);
    resuming_.assign(1, 0);
    path_.assign(1, {});
    children_.assign(1, 0);
  }
  void on_event(const Event& ev) override {
    if (ev.op == Op::kNote) {  // what a thread noted (a value drawn at random) is in the trace
      notes_[path_[to_index(ev.thread)]].push_back(ev.value);
      return;
    }
    if (ev.op == Op::kCheck || ev.op == Op::kFinish) return;
    Step s;
    s.event.thread = ev.thread;
    s.event.op = ev.op;
    s.event.pending = PendingOp{ev.op, ev.object, ev.aux};
    if (ev.op == Op::kJoin) s.event.pending.arg = static_cast<uint32_t>(ev.value);
    // A task of an event loop takes the loop at its first step and at each await (a sleep of
    // the loop's is one, and names it): its steps between two awaits run with no other task of
    // the loop in between.
    const uint32_t t = to_index(ev.thread);
    if (t < loop_of_.size() && loop_of_[t] != kNoObject &&
        (resuming_[t] != 0 || gives_loop_back(PendingOp{ev.op, ev.object}))) {
      s.event.loop = loop_of_[t];
    }
    if (t < resuming_.size()) resuming_[t] = 0;
    if (ev.op == Op::kSpawn) {  // thread `value` is spawned, a task of loop `object` if any
      const auto child = static_cast<std::size_t>(ev.value);
      loop_of_.resize(std::max(loop_of_.size(), child + 1), kNoObject);
      resuming_.resize(loop_of_.size(), 0);
      loop_of_[child] = ev.object;
      resuming_[child] = 1;
      path_.resize(loop_of_.size());
      children_.resize(loop_of_.size(), 0);
      path_[child] = path_[t];
      path_[child].push_back(children_[t]++);
    }
    if (carries_value(ev.op)) s.value = ev.value;
    // Objects by name: their numbers follow the order in which threads running apart made them.
    if (ev.object != kNoObject) {
      const std::size_t h = std::hash<std::string_view>{}(ev.name != nullptr ? ev.name : "");
      s.object = static_cast<uint32_t>(h * 31 + static_cast<std::size_t>(ev.index + 1));
    }
    // A wake comes after the first notify that could wake its thread: one that left a wake-up
    // (or notified every waiter) while it waited. Which notify's wake-up it took in the end is
    // not part of the trace: a notify_all after a notify_one's wake-up, which it clears, lets the
    // waiter go either side of it to the same effect.
    if (ev.op == Op::kWait) waiting_[t] = Waiting{ev.object, -1};
    if ((ev.op == Op::kNotifyOne || ev.op == Op::kNotifyAll) && ev.value > 0) {
      for (auto& [thread, w] : waiting_) {
        if (w.condvar == ev.object && w.first_notify < 0) {
          w.first_notify = static_cast<int64_t>(steps_.size());
        }
      }
    }
    if (ev.op == Op::kWake) {
      s.woken_by = waiting_[t].first_notify;
      waiting_.erase(t);
    }
    s.event.compute_accesses();
    steps_.push_back(s);
  }
  void end_run(std::vector<Finding>& /*findings*/) override {
    ++runs_;
    ++classes_[canonical()];
  }

  /// Each trace seen, with how many runs fell into it.
  const std::map<std::vector<uint32_t>, uint64_t>& classes() const { return classes_; }
  uint64_t runs() const { return runs_; }

 private:
  struct Step {
    StepEvent event;
    int64_t woken_by = -1;           // a wake: the first notify that could wake it
    int64_t value = 0;               // what a memory access read or wrote (random values show here)
    uint32_t object = ~uint32_t{0};  // the object it touches, by name
  };

  /// Memory accesses: their values are part of the trace (a value the run drew at random makes
  /// runs with the same steps differ).
  static bool carries_value(Op op) {
    switch (op) {
      case Op::kLoad:
      case Op::kStore:
      case Op::kAtomicLoad:
      case Op::kAtomicStore:
      case Op::kExchange:
      case Op::kCasOk:
      case Op::kCasFail:
      case Op::kFetchAdd:
        return true;
      default:
        return false;
    }
  }

  std::vector<uint32_t> canonical() const {
    const std::size_t n = steps_.size();
    std::vector<std::vector<std::size_t>> before(n);
    std::map<uint32_t, std::size_t> last;
    std::vector<std::size_t> spawns;
    for (std::size_t j = 0; j < n; ++j) {
      const StepEvent& e = steps_[j].event;
      const uint32_t t = to_index(e.thread);
      if (last.count(t) != 0) {
        before[j].push_back(last[t]);
      } else if (t > 0 && t <= spawns.size()) {
        before[j].push_back(spawns[t - 1]);  // thread k is the k-th spawned
      }
      if (e.op == Op::kJoin && last.count(e.pending.arg) != 0) {
        before[j].push_back(last[e.pending.arg]);
      }
      if (steps_[j].woken_by >= 0)
        before[j].push_back(static_cast<std::size_t>(steps_[j].woken_by));
      for (std::size_t i = 0; i < j; ++i) {
        if (steps_[i].event.thread != e.thread && ordered(steps_[i].event, e))
          before[j].push_back(i);
      }
      last[t] = j;
      if (e.op == Op::kSpawn) spawns.push_back(j);
    }
    std::vector<uint8_t> done(n, 0);
    std::vector<uint32_t> out;
    for (std::size_t k = 0; k < n; ++k) {
      std::size_t pick = n;
      for (std::size_t j = 0; j < n; ++j) {
        if (done[j] != 0) continue;
        bool ready = true;
        for (std::size_t b : before[j]) ready = ready && done[b] != 0;
        if (ready && (pick == n || path_[to_index(steps_[j].event.thread)] <
                                       path_[to_index(steps_[pick].event.thread)])) {
          pick = j;
        }
      }
      done[pick] = 1;
      const Step& step = steps_[pick];
      write_path(to_index(step.event.thread), out);
      out.push_back(static_cast<uint32_t>(step.event.op));
      out.push_back(step.object);
      out.push_back(static_cast<uint32_t>(step.value));
    }
    for (const auto& [thread, values] : notes_) {
      out.push_back(~uint32_t{0});
      out.push_back(static_cast<uint32_t>(thread.size()));
      out.insert(out.end(), thread.begin(), thread.end());
      for (int64_t v : values) out.push_back(static_cast<uint32_t>(v));
    }
    return out;
  }

  /// A thread as the trace names it: by its place in the spawn tree, not by its number, which
  /// depends on the order in which threads running apart spawned theirs.
  void write_path(uint32_t thread, std::vector<uint32_t>& out) const {
    const std::vector<uint32_t>& p = path_[thread];
    out.push_back(static_cast<uint32_t>(p.size()));
    out.insert(out.end(), p.begin(), p.end());
  }

  std::vector<Step> steps_;
  struct Waiting {
    ObjectId condvar;
    int64_t first_notify;  // an index in steps_, -1 before any
  };
  std::map<uint32_t, Waiting> waiting_;                          // by thread: threads in a wait
  std::map<std::vector<uint32_t>, std::vector<int64_t>> notes_;  // by thread (path_): its notes
  std::vector<ObjectId> loop_of_;            // by thread: the event loop it is a task of
  std::vector<uint8_t> resuming_;            // by thread: a task that has not run its first step
  std::vector<std::vector<uint32_t>> path_;  // by thread: child indices from main down to it
  std::vector<uint32_t> children_;           // by thread: how many it has spawned
  std::map<std::vector<uint32_t>, uint64_t> classes_;
  uint64_t runs_ = 0;
};

}  // namespace interleave::testing
