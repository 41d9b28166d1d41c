// Source-DPOR with sleep sets over re-executed runs; races found with vector clocks per run.
#include "sim/dpor_strategy.hpp"

#include <algorithm>

namespace interleave {
namespace {

bool is_await(Op op) {
  return op == Op::kAwait || op == Op::kSleep;
}

}  // namespace

bool DporStrategy::in(const std::vector<ThreadId>& set, ThreadId t) const {
  return std::find(set.begin(), set.end(), t) != set.end();
}

bool DporStrategy::sleeping(const Node& n, ThreadId t) const {
  for (const Sleeper& s : n.sleep) {
    if (s.thread == t) return true;
  }
  for (const Sleeper& s : n.done) {
    if (s.thread == t) return true;
  }
  return false;
}

bool DporStrategy::begin_execution(uint64_t index) {
  if (index > 0) {
    // Depth first: the deepest decision with an unexplored alternative changes; all below it go.
    for (;;) {
      if (nodes_.empty() && values_.empty()) return false;
      const bool value_deeper =
          !values_.empty() && (nodes_.empty() || values_.back().nodes_before >= nodes_.size());
      if (value_deeper) {
        ValueNode& v = values_.back();
        if (v.chosen + 1 < v.bound) {
          ++v.chosen;
          break;
        }
        values_.pop_back();
        continue;
      }
      Node& n = nodes_.back();
      const std::size_t i = nodes_.size() - 1;
      n.done.push_back(Sleeper{n.chosen, steps_[i]});
      auto next = std::find_if(n.backtrack.begin(), n.backtrack.end(),
                               [&](ThreadId t) { return !sleeping(n, t); });
      if (next != n.backtrack.end()) {
        n.chosen = *next;
        break;
      }
      nodes_.pop_back();
    }
  }
  steps_.clear();
  thread_loop_.assign(1, kNoObject);
  resuming_.assign(1, 0);
  threads_ = 1;
  value_cursor_ = 0;
  return true;
}

StepEvent DporStrategy::make_step(ThreadId thread, const PendingOp& op, Op outcome) const {
  StepEvent e;
  e.thread = thread;
  e.pending = op;
  e.op = outcome;
  const uint32_t t = to_index(thread);
  // A task resumes its loop at its first step and at every await: that step takes the loop.
  if (t < thread_loop_.size() && thread_loop_[t] != kNoObject &&
      (resuming_[t] != 0 || is_await(op.op))) {
    e.loop = thread_loop_[t];
  }
  e.compute_accesses();
  return e;
}

void DporStrategy::start_step(const ChoicePoint& point) {
  if (point.step > 0 && point.step - 1 < steps_.size() && point.step - 1 < point.outcomes.size()) {
    StepEvent& prev = steps_[point.step - 1];
    if (prev.op != point.outcomes[point.step - 1]) {
      prev.op = point.outcomes[point.step - 1];
      prev.compute_accesses();
    }
  }
}

ThreadId DporStrategy::pick(const ChoicePoint& point) {
  start_step(point);
  const std::size_t s = point.step;
  ThreadId chosen{};
  if (s < nodes_.size()) {
    chosen = nodes_[s].chosen;  // replaying the prefix of the branch being explored
  } else {
    Node n;
    n.enabled.assign(point.enabled.begin(), point.enabled.end());
    n.values_before = value_cursor_;
    if (s > 0) {
      // A thread stays asleep while what runs does not conflict with what it would do.
      const Node& parent = nodes_[s - 1];
      const StepEvent& ran = steps_[s - 1];
      for (const std::vector<Sleeper>* set : {&parent.sleep, &parent.done}) {
        for (const Sleeper& q : *set) {
          if (q.thread != parent.chosen && !dependent(q.event, ran)) n.sleep.push_back(q);
        }
      }
    }
    // Prefer the running thread (fewest preemptions), else the lowest awake one.
    bool found = false;
    const bool current_enabled = in(n.enabled, point.current);
    if (current_enabled && !sleeping(n, point.current)) {
      chosen = point.current;
      found = true;
    } else {
      for (ThreadId t : n.enabled) {
        if (!sleeping(n, t)) {
          chosen = t;
          found = true;
          break;
        }
      }
    }
    if (!found) return kPruneRun;  // every continuation is covered by an earlier branch
    n.chosen = chosen;
    n.backtrack.push_back(chosen);
    nodes_.push_back(std::move(n));
  }
  const uint32_t t = to_index(chosen);
  const PendingOp& op = point.pending[t];
  steps_.push_back(make_step(chosen, op, op.op));
  if (t < resuming_.size()) resuming_[t] = 0;
  if (op.op == Op::kSpawn) {
    ++threads_;
    thread_loop_.push_back(op.object);  // the spawn names the new task's loop, if any
    resuming_.push_back(1);
  }
  return chosen;
}

uint64_t DporStrategy::pick_value(uint64_t bound) {
  if (value_cursor_ < values_.size()) return values_[value_cursor_++].chosen;
  values_.push_back(ValueNode{bound, 0, static_cast<uint32_t>(steps_.size())});
  ++value_cursor_;
  return 0;
}

void DporStrategy::end_execution(const ExecutionSummary& summary) {
  const std::size_t n = std::min(steps_.size(), summary.outcomes.size());
  if (n > 0 && steps_[n - 1].op != summary.outcomes[n - 1]) {
    steps_[n - 1].op = summary.outcomes[n - 1];
    steps_[n - 1].compute_accesses();
  }
  analyse_races();
}

void DporStrategy::analyse_races() {
  // Happens-before clocks of every step: program order, spawn, join, conflicts, and releases
  // (unlock -> lock, a loop task's last step -> the next task resuming the loop).
  const std::size_t n = steps_.size();
  const std::size_t width = threads_;
  std::vector<uint32_t> clocks(n * width, 0);
  std::vector<int64_t> last_of(width, -1);
  std::vector<int64_t> spawned_at(width, -1);
  std::vector<uint32_t> count(width, 0);
  struct Pred {
    std::size_t step;
    bool release;
    bool conflict;
  };
  std::vector<Pred> preds;
  uint32_t created = 1;
  // Who woke whom: the simulator's notify_one wakes the longest waiter, so replay its queue.
  std::vector<std::pair<ObjectId, ThreadId>> waiting;  // (condition variable, waiter), in order
  std::vector<int64_t> woken_by(width, -1);
  for (std::size_t j = 0; j < n; ++j) {
    const StepEvent& ej = steps_[j];
    const uint32_t t = to_index(ej.thread);
    preds.clear();
    if (last_of[t] >= 0) {
      preds.push_back(Pred{static_cast<std::size_t>(last_of[t]), false, false});
    } else if (spawned_at[t] >= 0) {
      preds.push_back(Pred{static_cast<std::size_t>(spawned_at[t]), false, false});
    }
    if (ej.op == Op::kJoin && ej.pending.arg < width && last_of[ej.pending.arg] >= 0) {
      preds.push_back(Pred{static_cast<std::size_t>(last_of[ej.pending.arg]), false, false});
    }
    if (ej.op == Op::kWake && woken_by[t] >= 0) {
      preds.push_back(Pred{static_cast<std::size_t>(woken_by[t]), false, false});
    }
    int64_t loop_release = -1;
    for (std::size_t i = 0; i < j; ++i) {
      const StepEvent& ei = steps_[i];
      if (ei.thread == ej.thread) continue;
      if (dependent(ei, ej)) {
        preds.push_back(Pred{i, false, true});
      } else if (releases_to(ei, ej)) {
        preds.push_back(Pred{i, true, false});
      }
      if (ej.loop != kNoObject && to_index(ei.thread) < thread_loop_.size() &&
          thread_loop_[to_index(ei.thread)] == ej.loop) {
        loop_release = static_cast<int64_t>(i);  // the loop's previous task, last step
      }
    }
    if (loop_release >= 0)
      preds.push_back(Pred{static_cast<std::size_t>(loop_release), true, false});
    uint32_t* cj = &clocks[j * width];
    for (const Pred& p : preds) {
      const uint32_t* cp = &clocks[p.step * width];
      for (std::size_t k = 0; k < width; ++k) cj[k] = std::max(cj[k], cp[k]);
    }
    cj[t] = ++count[t];

    // Races: a conflicting predecessor that nothing else orders before this step. For two takes
    // of one lock, the release between them does not count: their order is what gets reversed.
    for (const Pred& candidate : preds) {
      if (!candidate.conflict) continue;
      const std::size_t i = candidate.step;
      const uint32_t ti = to_index(steps_[i].thread);
      const uint32_t mine = clocks[i * width + ti];
      const bool locks = lock_pair(steps_[i], ej, nullptr);
      bool ordered = false;
      for (const Pred& other : preds) {
        if (other.step == i || (locks && other.release)) continue;
        if (clocks[other.step * width + ti] >= mine) {
          ordered = true;
          break;
        }
      }
      if (!ordered) add_backtrack(i, j, clocks);
    }

    last_of[t] = static_cast<int64_t>(j);
    if (ej.op == Op::kSpawn && created < width) spawned_at[created++] = static_cast<int64_t>(j);
    if (ej.op == Op::kWait) waiting.emplace_back(ej.pending.object, ej.thread);
    if (ej.op == Op::kNotifyOne || ej.op == Op::kNotifyAll) {
      for (auto it = waiting.begin(); it != waiting.end();) {
        if (it->first != ej.pending.object) {
          ++it;
          continue;
        }
        woken_by[to_index(it->second)] = static_cast<int64_t>(j);
        it = waiting.erase(it);
        if (ej.op == Op::kNotifyOne) break;
      }
    }
  }
}

void DporStrategy::add_backtrack(std::size_t i, std::size_t j,
                                 const std::vector<uint32_t>& clocks) {
  if (i >= nodes_.size()) return;
  const std::size_t width = threads_;
  const uint32_t ti = to_index(steps_[i].thread);
  const uint32_t mark = clocks[i * width + ti];
  // v = the steps after i that do not happen after it, then j. Its initials: threads whose first
  // step in v has no predecessor in v.
  std::vector<std::size_t> v;
  for (std::size_t k = i + 1; k < j; ++k) {
    if (clocks[k * width + ti] < mark) v.push_back(k);
  }
  v.push_back(j);
  std::vector<ThreadId> initials;
  std::vector<ThreadId> seen;
  for (std::size_t a = 0; a < v.size(); ++a) {
    const ThreadId r = steps_[v[a]].thread;
    if (in(seen, r)) continue;
    seen.push_back(r);
    bool first = true;
    for (std::size_t b = 0; b < a && first; ++b) {
      const uint32_t tb = to_index(steps_[v[b]].thread);
      if (clocks[v[a] * width + tb] >= clocks[v[b] * width + tb]) first = false;
    }
    if (first) initials.push_back(r);
  }
  Node& node = nodes_[i];
  for (ThreadId r : initials) {
    if (in(node.backtrack, r)) return;  // some initial of v is (or was) explored from here
  }
  for (ThreadId r : initials) {
    if (in(node.enabled, r) && !sleeping(node, r)) {
      node.backtrack.push_back(r);
      return;
    }
  }
}

}  // namespace interleave
