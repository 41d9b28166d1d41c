// Optimal DPOR: the exploration tree with wakeup trees, and the run of one job with its races.
#include "sim/dpor_search.hpp"

#include <algorithm>

#include "sim/internal_check.hpp"

namespace interleave {
namespace {

bool contains(std::span<const ThreadId> set, ThreadId t) {
  return std::find(set.begin(), set.end(), t) != set.end();
}

}  // namespace

bool ordered(const StepEvent& a, const StepEvent& b) {
  return dependent(a, b) || releases_to(a, b) || releases_to(b, a);
}

// ---------------------------------------------------------------------------------------------
// DporRun

void DporRun::start(const DporJob& job) {
  // The path in the last run's numbers, as far as that run had the threads it names.
  planned_.clear();
  for (const ThreadId t : job.path) {
    const uint32_t name = to_index(t);
    if (name >= number_of_.size() || number_of_[name] == kAbsent) break;
    planned_.push_back(ThreadId{number_of_[name]});
  }
  job_ = &job;
  // Sized for every name this run object has met (most runs spawn the same threads): nobody
  // but main exists yet.
  const std::size_t names = std::max<std::size_t>(number_of_.size(), 1);
  name_of_.assign(1, 0);
  number_of_.assign(names, kAbsent);
  number_of_[0] = 0;
  spawned_.assign(names, 0);
  steps_.clear();
  values_.clear();
  sleep_.clear();
  thread_loop_.assign(names, kNoObject);
  resuming_.assign(names, 0);
  value_cursor_ = 0;
  threads_ = static_cast<uint32_t>(names);
  pruned_ = false;
  diverged_ = false;
  path_end_ = job.path.size();
}

uint32_t DporRun::child_name(uint32_t parent, uint32_t index) {
  if (parent >= children_.size()) children_.resize(parent + 1);
  std::vector<uint32_t>& known = children_[parent];
  if (index >= known.size()) known.resize(index + 1, kAbsent);
  if (known[index] == kAbsent) known[index] = job_->names->child(parent, index);
  return known[index];
}

PendingOp DporRun::named(const PendingOp& op) const {
  PendingOp out = op;
  if (op.op == Op::kJoin && op.arg < name_of_.size()) out.arg = name_of_[op.arg];
  return out;
}

StepEvent DporRun::make_step(ThreadId thread, const PendingOp& op) const {
  StepEvent e;
  e.thread = thread;
  e.pending = op;
  e.op = op.op;
  const uint32_t t = to_index(thread);
  // A task resumes its loop at its first step and at every await: that step takes the loop.
  if (t < thread_loop_.size() && thread_loop_[t] != kNoObject &&
      (resuming_[t] != 0 || gives_loop_back(op))) {
    e.loop = thread_loop_[t];
  }
  e.compute_accesses();
  return e;
}

void DporRun::refresh(std::size_t step, Op outcome) {
  StepEvent& e = steps_[step];
  if (e.op != outcome) {
    e.op = outcome;
    e.compute_accesses();
  }
}

ThreadId DporRun::pick(const ChoicePoint& point) {
  const std::size_t s = point.step;
  if (s > 0 && s - 1 < steps_.size() && s - 1 < point.outcomes.size()) {
    refresh(s - 1, point.outcomes[s - 1]);
  }
  std::size_t forced = path_end_;
  if (s > 0 && (!sleep_.empty() || (s - 1 < forced && !job_->asleep_at(s - 1).empty()))) {
    // A thread stays asleep while what runs is independent of what it would do.
    const StepEvent& ran = steps_[s - 1];
    sleep_next_.clear();
    auto keep = [&](const Sleeper& q) {
      if (q.thread != ran.thread && !ordered(q.event, ran)) sleep_next_.push_back(q);
    };
    for (const Sleeper& q : sleep_) keep(q);
    if (s - 1 < forced) {
      for (const Sleeper& q : job_->asleep_at(s - 1)) keep(q);
    }
    sleep_.swap(sleep_next_);
  }
  // Who is covered at this node: its sleep set and the branches explored from it (buffers are
  // reused from run to run).
  if (sleep_at_.size() <= s) sleep_at_.resize(s + 1);
  std::vector<Sleeper>& covered = sleep_at_[s];
  covered.assign(sleep_.begin(), sleep_.end());
  if (s < forced) {
    const std::span<const Sleeper> explored = job_->asleep_at(s);
    covered.insert(covered.end(), explored.begin(), explored.end());
  }

  // The path names threads as the search does; the point numbers them as the simulator does.
  auto number = [this](ThreadId name) {
    const uint32_t n = to_index(name);
    return n < number_of_.size() && number_of_[n] != kAbsent ? ThreadId{number_of_[n]} : kNoThread;
  };
  ThreadId chosen{};  // by number
  if (s < forced && !contains(point.enabled, number(job_->path[s]))) {
    if (values_.empty()) {
      diverged_ = true;
      return kNoThread;  // the search asked for a step that cannot run: abandon
    }
    // The path was worked out (in part) in a run that drew other values, and a value drawn here
    // made a thread do otherwise: the rest of the path does not apply, and the run goes on as a
    // fresh one.
    path_end_ = forced = s;
    covered.assign(sleep_.begin(), sleep_.end());
  }
  if (s < forced) {
    chosen = number(job_->path[s]);
  } else {
    auto awake = [&](ThreadId t) {  // `covered` holds the sleep set and the explored branches
      if (!contains(point.enabled, t)) return false;
      const ThreadId name = name_of(t);
      return std::none_of(covered.begin(), covered.end(),
                          [name](const Sleeper& q) { return q.thread == name; });
    };
    // Prefer the running thread (fewest preemptions), else the lowest awake one.
    if (awake(point.current)) {
      chosen = point.current;
    } else {
      auto it = std::find_if(point.enabled.begin(), point.enabled.end(), awake);
      if (it == point.enabled.end()) {
        pruned_ = true;
        return kPruneRun;  // every continuation is covered by an explored branch
      }
      chosen = *it;
    }
  }
  const uint32_t t = to_index(name_of(chosen));
  PendingOp op = named(point.pending[to_index(chosen)]);
  if (op.op == Op::kSpawn) {
    // The new thread gets the next number and its name from the names of the search; the spawn
    // step carries it.
    const uint32_t child = child_name(t, spawned_[t]++);
    op.arg = child;
    name_of_.push_back(child);
    if (child >= number_of_.size()) {
      number_of_.resize(child + 1, kAbsent);
      spawned_.resize(child + 1, 0);
      thread_loop_.resize(child + 1, kNoObject);
      resuming_.resize(child + 1, 0);
    }
    number_of_[child] = static_cast<uint32_t>(name_of_.size() - 1);
    threads_ = static_cast<uint32_t>(number_of_.size());
  }
  steps_.push_back(make_step(ThreadId{t}, op));
  resuming_[t] = 0;
  if (op.op == Op::kSpawn) {
    thread_loop_[op.arg] = op.object;  // the spawn names the new task's loop, if any
    resuming_[op.arg] = 1;
  }
  return chosen;
}

uint64_t DporRun::pick_value(uint64_t bound) {
  const uint64_t v = value_cursor_ < job_->values.size() ? job_->values[value_cursor_] : 0;
  ++value_cursor_;
  values_.push_back(DporOutcome::Value{bound, v, static_cast<uint32_t>(steps_.size())});
  return v;
}

void DporRun::finish(std::span<const Op> outcomes, std::span<const PendingOp> pending, bool blocked,
                     bool deadlocked, DporOutcome& out) {
  const std::size_t n = std::min(steps_.size(), outcomes.size());
  if (n > 0) refresh(n - 1, outcomes[n - 1]);
  out.insertions.clear();
  out.sequence_steps.clear();
  out.sequence_before.clear();
  out.pruned = pruned_;
  out.diverged = diverged_;
  out.path_end = path_end_;
  pending_named_.assign(threads_, PendingOp{Op::kFinish});
  for (std::size_t k = 0; k < pending.size() && k < name_of_.size(); ++k) {
    pending_named_[name_of_[k]] = named(pending[k]);
  }
  if (!diverged_) analyse(pending_named_, blocked, deadlocked, out);
  out.steps = steps_;
  out.values = values_;
}

uint32_t DporRun::track(ObjectId object) {
  const uint32_t o = to_index(object);
  if (o >= last_write_.size()) {
    last_write_.resize(o + 1, -1);
    reads_since_.resize(o + 1);
  }
  return o;
}

void DporRun::analyse(std::span<const PendingOp> pending, bool blocked, bool deadlocked,
                      DporOutcome& out) {
  // Happens-before clocks of every step: program order, spawn, join, conflicts, and releases
  // (unlock -> lock, a loop task's last step -> the next task resuming the loop).
  const std::size_t n = steps_.size();
  const std::size_t width = threads_;
  clocks_.assign(n * width, 0);
  std::fill(last_write_.begin(), last_write_.end(), -1);
  for (std::vector<uint32_t>& reads : reads_since_) reads.clear();
  special_.clear();
  last_of_.assign(width, -1);
  spawned_at_.assign(width, -1);
  count_.assign(width, 0);
  wakeups_.clear();
  for (std::size_t j = 0; j < n; ++j) analyse_step(j, false, out);
  if (!blocked && !deadlocked) return;
  // A run that ended with threads still waiting to take a step (a deadlock, a false assume): each
  // such step races with the steps it conflicts with, as if it came last. Without it, a step that
  // never ran (a lock held forever, a load cut off by the assume) reverses nothing, and the
  // executions where it runs first were never explored.
  const uint32_t last_runner = n == 0 ? ~uint32_t{0} : to_index(steps_.back().thread);
  // In the simulator's order of threads (a name's value may depend on which part of a parallel
  // search met it first; the races found here go into wakeup trees in this order).
  for (const uint32_t t : name_of_) {
    if (t >= width || t >= pending.size()) continue;
    const PendingOp& op = pending[t];
    if (op.op == Op::kFinish) continue;
    if (t == last_runner && !deadlocked) continue;  // it ran its announced step, then stopped
    if (op.op == Op::kWake && wakeups_.first_notify(ThreadId{t}) < 0) {
      continue;  // no notify since it began to wait: it cannot run, whatever goes before it
    }
    StepEvent e = make_step(ThreadId{t}, op);
    if (e.op == Op::kTryLockFail) {
      e.op = Op::kLock;  // a try_lock that would take the mutex once it is free
      e.compute_accesses();
    }
    find_blockers(e, pending);
    steps_.push_back(e);
    clocks_.resize((n + 1) * width);
    std::fill(clocks_.begin() + static_cast<std::ptrdiff_t>(n * width), clocks_.end(), 0);
    analyse_step(n, true, out);
    steps_.pop_back();
  }
}

void DporRun::find_blockers(const StepEvent& e, std::span<const PendingOp> pending) {
  blockers_.clear();
  for (uint8_t a = 0; a < e.access_count; ++a) {
    const StepAccess& need = e.accesses[a];
    if (!takes_lock(e, need.object)) continue;
    // The last step that took it, if nothing released it since.
    int64_t holder = -1;
    for (std::size_t k = 0; k < steps_.size(); ++k) {
      if (takes_lock(steps_[k], need.object)) holder = static_cast<int64_t>(k);
      if (unlocks(steps_[k], need.object)) holder = -1;
    }
    if (holder < 0) continue;
    const StepEvent& h = steps_[static_cast<std::size_t>(holder)];
    if (h.thread == e.thread) continue;
    if (need.object == e.loop) {
      // A task gives its loop back when it announces an await, and when it ends.
      const uint32_t ht = to_index(h.thread);
      const PendingOp next = ht < pending.size() ? pending[ht] : PendingOp{Op::kFinish};
      if (gives_loop_back(next) || next.op == Op::kFinish) continue;
    }
    blockers_.push_back(static_cast<uint32_t>(holder));
  }
}

bool DporRun::free_without(ObjectId lock, std::size_t i, std::size_t j) const {
  const std::size_t width = threads_;
  const uint32_t ti = to_index(steps_[i].thread);
  const uint32_t mine = clocks_[i * width + ti];
  bool held = false;
  for (std::size_t k = 0; k < j; ++k) {
    if (k == i || (k > i && clocks_[k * width + ti] >= mine)) continue;  // i happens before k
    if (unlocks(steps_[k], lock)) held = false;
    if (takes_lock(steps_[k], lock)) held = true;
  }
  return !held;
}

void DporRun::analyse_step(std::size_t j, bool pending_step, DporOutcome& out) {
  const std::size_t width = threads_;
  std::vector<uint32_t>& clocks = clocks_;
  std::vector<Pred>& preds = preds_;
  const StepEvent& ej = steps_[j];
  const uint32_t t = to_index(ej.thread);
  preds.clear();
  if (last_of_[t] >= 0) {
    preds.push_back(Pred{static_cast<std::size_t>(last_of_[t]), false, false});
  } else if (spawned_at_[t] >= 0) {
    preds.push_back(Pred{static_cast<std::size_t>(spawned_at_[t]), false, false});
  }
  if (ej.op == Op::kJoin && ej.pending.arg < width && last_of_[ej.pending.arg] >= 0) {
    preds.push_back(Pred{static_cast<std::size_t>(last_of_[ej.pending.arg]), false, false});
  }
  if (ej.op == Op::kWake) {
    // Ordered after the first notify that could wake it: no execution wakes it sooner. (Not
    // after the one whose wake-up it took: had another waiter not taken an earlier one, it
    // could have taken that.)
    const int64_t woken_by = wakeups_.first_notify(ej.thread);
    if (woken_by >= 0) preds.push_back(Pred{static_cast<std::size_t>(woken_by), false, false});
  }
  bool memory_only = ej.loop == kNoObject;
  for (uint8_t a = 0; a < ej.access_count; ++a) {
    const AccessKind k = ej.accesses[a].kind;
    memory_only &= k == AccessKind::kRead || k == AccessKind::kWrite;
  }
  if (memory_only) {
    // Plain memory: the conflicting steps that matter are the last write of each location it
    // touches and (for a write) the reads since; every earlier conflicting step happens before
    // one of those, so the clock and the races come out the same as from a scan of all steps.
    conflicts_.clear();
    for (uint8_t a = 0; a < ej.access_count; ++a) {
      const uint32_t o = track(ej.accesses[a].object);
      const int64_t w = last_write_[o];
      if (w >= 0 && steps_[static_cast<std::size_t>(w)].thread != ej.thread) {
        conflicts_.push_back(static_cast<uint32_t>(w));
      }
      if (ej.accesses[a].kind == AccessKind::kWrite) {
        for (uint32_t r : reads_since_[o]) {
          if (steps_[r].thread != ej.thread) conflicts_.push_back(r);
        }
      }
    }
    if (ej.access_count > 0) {
      for (uint32_t i : special_) {
        if (steps_[i].thread != ej.thread && dependent(steps_[i], ej)) conflicts_.push_back(i);
      }
    }
    std::sort(conflicts_.begin(), conflicts_.end());
    conflicts_.erase(std::unique(conflicts_.begin(), conflicts_.end()), conflicts_.end());
    for (uint32_t i : conflicts_) preds.push_back(Pred{i, false, true});
  } else {
    int64_t loop_release = -1;
    for (std::size_t i = 0; i < j; ++i) {
      const StepEvent& ei = steps_[i];
      if (ei.thread == ej.thread) continue;
      if (dependent(ei, ej)) {
        preds.push_back(Pred{i, false, true});
      } else if (const ObjectId released = released_to(ei, ej); released != kNoObject) {
        preds.push_back(Pred{i, true, false, released});
      }
      if (ej.loop != kNoObject && to_index(ei.thread) < thread_loop_.size() &&
          thread_loop_[to_index(ei.thread)] == ej.loop) {
        loop_release = static_cast<int64_t>(i);  // the loop's previous task, last step
      }
    }
    if (loop_release >= 0)
      preds.push_back(Pred{static_cast<std::size_t>(loop_release), true, false, ej.loop});
    if (pending_step) {
      // A lock held to the end orders the step after the step that took it, as its release
      // would have.
      for (uint32_t b : blockers_) {
        for (uint8_t a = 0; a < ej.access_count; ++a) {
          if (takes_lock(steps_[b], ej.accesses[a].object) &&
              takes_lock(ej, ej.accesses[a].object)) {
            preds.push_back(Pred{b, true, false, ej.accesses[a].object});
            break;
          }
        }
      }
    }
    if (!pending_step) special_.push_back(static_cast<uint32_t>(j));
  }
  if (!pending_step) {
    for (uint8_t a = 0; a < ej.access_count; ++a) {
      const AccessKind k = ej.accesses[a].kind;
      if (k != AccessKind::kRead && k != AccessKind::kWrite) continue;
      const uint32_t o = track(ej.accesses[a].object);
      if (k == AccessKind::kWrite) {
        last_write_[o] = static_cast<int64_t>(j);
        reads_since_[o].clear();
      } else {
        reads_since_[o].push_back(static_cast<uint32_t>(j));
      }
    }
  }
  uint32_t* cj = &clocks[j * width];
  for (const Pred& p : preds) {
    const uint32_t* cp = &clocks[p.step * width];
    for (std::size_t k = 0; k < width; ++k) cj[k] = std::max(cj[k], cp[k]);
  }
  cj[t] = count_[t] + 1;
  if (!pending_step) ++count_[t];

  // Races: a conflicting predecessor that nothing else orders before this step. For two takes
  // of one lock, the release between them does not count: their order is what gets reversed.
  for (const Pred& candidate : preds) {
    if (!candidate.conflict) continue;
    const std::size_t i = candidate.step;
    const uint32_t ti = to_index(steps_[i].thread);
    const uint32_t mine = clocks[i * width + ti];
    if (pending_step && std::any_of(blockers_.begin(), blockers_.end(), [&](uint32_t b) {
          return b != i && clocks[b * width + ti] < mine;
        })) {
      continue;  // it cannot run before i while a lock taken after i (or apart from it) is held
    }
    ObjectId lock = kNoObject;
    const bool locks = lock_pair(steps_[i], ej, &lock);
    // Two wakes on one condition variable compete for the wake-up both could take: what other
    // threads did with the mutex between them (critical sections, failed try_locks) does not
    // order them (j could not have run just before those, with i's wake-up gone, but it could
    // before i).
    const bool wakes = steps_[i].op == Op::kWake && ej.op == Op::kWake &&
                       steps_[i].pending.object == ej.pending.object;
    // What follows i and takes or releases j's mutex does not order them either, when that
    // mutex is free without i and what follows it (j could run in i's place). Otherwise (i's
    // thread, or a third one, holds it across i and releases it after i) j cannot run before i,
    // and the release orders them.
    const bool mutex_free = wakes && free_without(ej.pending.aux, i, j);
    bool by_other = false;
    for (const Pred& other : preds) {
      if (other.step == i) continue;
      // The release of a lock both take: their order is the race itself. (A try_lock's unlock
      // before it is a conflict, not a release, but still the lock's own; j's own previous step
      // is never skipped.)
      if (other.release && takes_lock(steps_[i], other.released) &&
          takes_lock(ej, other.released)) {
        continue;
      }
      if (locks && other.conflict && unlocks(steps_[other.step], lock)) continue;
      // (j's own earlier steps are never skipped: they have neither flag)
      if (mutex_free && (other.conflict || other.release) &&
          touches(steps_[other.step], ej.pending.aux)) {
        continue;
      }
      if (clocks[other.step * width + ti] >= mine) {
        by_other = true;
        break;
      }
    }
    if (!by_other) add_insertion(i, j, out);
  }
  if (pending_step) return;

  last_of_[t] = static_cast<int64_t>(j);
  if (ej.op == Op::kSpawn && ej.pending.arg < width) {
    spawned_at_[ej.pending.arg] = static_cast<int64_t>(j);  // (the spawn names its thread)
  }
  wakeups_.apply(ej, j);
}

bool WakeupReplay::apply(const StepEvent& step, std::size_t index) {
  const ObjectId cv = step.pending.object;
  switch (step.op) {
    case Op::kWait:
      waiters_.push_back(Waiter{step.thread, cv, ++seq_, false, -1});
      return true;
    case Op::kNotifyOne: {
      uint64_t unserved = 0;
      for (const Waiter& w : waiters_) unserved += w.condvar == cv && !w.notified ? 1 : 0;
      for (const Issued& i : wakeups_) unserved -= i.condvar == cv ? 1 : 0;
      if (unserved == 0) return true;  // every waiter has a wake-up to take already: no effect
      wakeups_.push_back(Issued{cv, ++seq_});
      for (Waiter& w : waiters_) {
        if (w.condvar == cv && w.first_notify < 0) w.first_notify = static_cast<int64_t>(index);
      }
      return true;
    }
    case Op::kNotifyAll:
      for (Waiter& w : waiters_) {
        if (w.condvar != cv || w.notified) continue;
        w.notified = true;
        if (w.first_notify < 0) w.first_notify = static_cast<int64_t>(index);
      }
      std::erase_if(wakeups_, [cv](const Issued& i) { return i.condvar == cv; });
      return true;
    case Op::kWake: {
      const auto w = std::find_if(waiters_.begin(), waiters_.end(),
                                  [&](const Waiter& x) { return x.thread == step.thread; });
      if (w == waiters_.end()) return false;
      if (!w->notified) {
        // The oldest wake-up issued since it began to wait, as the simulator takes it.
        const auto it = std::find_if(wakeups_.begin(), wakeups_.end(), [&](const Issued& i) {
          return i.condvar == w->condvar && i.seq > w->seq;
        });
        if (it == wakeups_.end()) return false;
        wakeups_.erase(it);
      }
      waiters_.erase(w);
      return true;
    }
    default:
      return true;
  }
}

int64_t WakeupReplay::first_notify(ThreadId thread) const {
  for (const Waiter& w : waiters_) {
    if (w.thread == thread) return w.first_notify;
  }
  return -1;
}

void DporRun::add_insertion(std::size_t i, std::size_t j, DporOutcome& out) {
  if (i >= steps_.size()) return;
  const std::vector<uint32_t>& clocks = clocks_;
  const std::size_t width = threads_;
  const uint32_t ti = to_index(steps_[i].thread);
  const uint32_t mark = clocks[i * width + ti];
  // v = the steps after i that do not happen after it, then j.
  std::vector<std::size_t>& v = sequence_;
  v.clear();
  for (std::size_t k = i + 1; k < j; ++k) {
    if (clocks[k * width + ti] < mark) v.push_back(k);
  }
  v.push_back(j);
  const std::size_t n = v.size();
  // A wake in v needs a wake-up to take there: without i and what follows it, there may be none
  // (another waiter took it, or the notify that left it is gone). Such a v is no execution.
  if (std::any_of(v.begin(), v.end(), [&](std::size_t k) { return steps_[k].op == Op::kWake; })) {
    check_.clear();
    bool runs = true;
    for (std::size_t k = 0; k < i && runs; ++k) runs = check_.apply(steps_[k], k);
    for (std::size_t k : v) {
      if (!runs) break;
      runs = check_.apply(steps_[k], k);
    }
    if (!runs) return;
  }
  // What happens before j within v: j's clock without the predecessors v leaves out. Every other
  // step of v keeps its clock, since nothing that happens before it happens after i. Not so for
  // j when it takes a lock i took: the release between them orders j after i's thread, and
  // through it after steps of v that are not ordered before j once i's thread is gone.
  std::vector<uint32_t>& last = last_clock_;
  last.assign(width, 0);
  for (const Pred& p : preds_) {
    if (p.step == i || clocks[p.step * width + ti] >= mark) continue;
    const uint32_t* cp = &clocks[p.step * width];
    for (std::size_t k = 0; k < width; ++k) last[k] = std::max(last[k], cp[k]);
  }
  const uint32_t tj = to_index(steps_[j].thread);
  last[tj] = clocks[j * width + tj];
  // Whether v's a-th step happens before its b-th (a < b).
  auto happens_before = [&](std::size_t a, std::size_t b) {
    const uint32_t ta = to_index(steps_[v[a]].thread);
    const uint32_t seen = b + 1 == n ? last[ta] : clocks[v[b] * width + ta];
    return seen >= clocks[v[a] * width + ta];
  };
  // A thread covered at node i that is a weak initial of v already explores it (or an
  // equivalent): its first step in v has nothing before it, or it is not in v and commutes with
  // all of v. Most races end here, so the order within v is only worked out for the rest.
  for (const Sleeper& q : sleep_at_[i]) {
    std::size_t first = n;
    for (std::size_t a = 0; a < n && first == n; ++a) {
      if (steps_[v[a]].thread == q.thread) first = a;
    }
    bool initial = true;
    if (first < n) {
      for (std::size_t b = 0; b < first && initial; ++b) initial = !happens_before(b, first);
    } else {
      for (std::size_t a = 0; a < n && initial; ++a) initial = !ordered(q.event, steps_[v[a]]);
    }
    if (initial) return;
  }
  std::vector<uint8_t>& before = before_;
  before.assign(n * n, 0);
  for (std::size_t b = 1; b < n; ++b) {
    for (std::size_t a = 0; a < b; ++a) before[a * n + b] = happens_before(a, b) ? 1 : 0;
  }
  out.insertions.push_back(
      WakeupInsertion{static_cast<uint32_t>(i), static_cast<uint32_t>(out.sequence_steps.size()),
                      static_cast<uint32_t>(n), static_cast<uint32_t>(out.sequence_before.size())});
  for (std::size_t k : v) out.sequence_steps.push_back(steps_[k]);
  out.sequence_before.insert(out.sequence_before.end(), before.begin(), before.end());
}

// ---------------------------------------------------------------------------------------------
// DporSearch

DporSearch::DporSearch() = default;

bool DporSearch::next_job(DporJob& job) {
  const Next next = this->next(job);
  INTERLEAVE_INTERNAL_CHECK(next != Next::kDue, "a search that gave nothing away has a branch due");
  return next == Next::kJob;
}

DporSearch::Next DporSearch::next(DporJob& job) {
  if (first_) {
    first_ = false;  // the first run of a search (a part's: its root branch) is ready
    fill_job(job);
    return Next::kJob;
  }
  for (;;) {
    if (nodes_.empty() && values_.empty()) return Next::kDone;
    const bool value_deeper =
        !values_.empty() && (nodes_.empty() || values_.back().nodes_before >= nodes_.size());
    if (value_deeper) {
      ValueNode& v = values_.back();
      if (v.chosen + 1 < v.bound) {
        ++v.chosen;
        fresh_from_ = static_cast<uint32_t>(nodes_.size());  // every forced step ran before
        if (nodes_.size() == v.nodes_before) begin_branch(v.guide);
        break;
      }
      values_.pop_back();
      continue;
    }
    Node& n = nodes_.back();
    if (n.wut.empty()) {
      nodes_.pop_back();
      continue;
    }
    if (n.wut.front().given != 0) return Next::kDue;
    // The branch explored from here so far goes to sleep; the leftmost pending one is next,
    // and its subtree guides the steps after it.
    fresh_from_ = static_cast<uint32_t>(nodes_.size() - 1);
    n.done.push_back(Sleeper{n.event.thread, n.event});
    WakeupNode next = std::move(n.wut.front());
    n.wut.erase(n.wut.begin());
    n.event = next.event;
    begin_branch(std::move(next.children));
    break;
  }
  fill_job(job);
  return Next::kJob;
}

DporSearch::WakeupNode DporSearch::without_marks(const WakeupNode& w) {
  WakeupNode out;
  out.event = w.event;
  for (const WakeupNode& c : w.children) out.children.push_back(without_marks(c));
  return out;
}

std::vector<DporSearch::WakeupNode> DporSearch::pending_subtree(std::size_t from,
                                                                std::size_t to) const {
  std::vector<WakeupNode> out;
  // Built from the deepest node up: each node's branch holds the subtree below it.
  for (std::size_t k = std::min(to, nodes_.size()); k-- > from;) {
    std::vector<WakeupNode> level;
    WakeupNode& branch = level.emplace_back();
    branch.event = nodes_[k].event;
    branch.children = std::move(out);
    for (const WakeupNode& w : nodes_[k].wut) level.push_back(without_marks(w));
    out = std::move(level);
  }
  return out;
}

void DporSearch::begin_branch(std::vector<WakeupNode> below) {
  while (!below.empty()) {
    WakeupNode first = std::move(below.front());
    below.erase(below.begin());
    Node& child = nodes_.emplace_back();
    child.event = first.event;
    child.wut = std::move(below);
    below = std::move(first.children);
  }
}

void DporSearch::fill_job(DporJob& job) const {
  job.clear();
  job.names = names_.get();
  for (const Node& n : nodes_) job.add_step(n.event.thread, n.done);
  for (const ValueNode& v : values_) job.values.push_back(v.chosen);
  job.fresh_from = fresh_from_;
}

void DporSearch::integrate(const DporJob& job, const DporOutcome& outcome) {
  // A value drawn for the first time: what the branch was to explore below it (before this run
  // changes the nodes there) is explored again under each of its other values.
  std::vector<std::vector<WakeupNode>> guides;
  for (std::size_t k = job.values.size(); k < outcome.values.size(); ++k) {
    // (none for a value drawn after the run left its path: the path below is not its branch's)
    const std::size_t at = outcome.values[k].steps_before;
    guides.push_back(at <= outcome.path_end ? pending_subtree(at, job.path.size())
                                            : std::vector<WakeupNode>{});
  }
  const std::size_t forced = std::min({job.path.size(), outcome.steps.size(), outcome.path_end});
  nodes_.resize(forced);  // a run cut short keeps only the steps it took
  // Steps before fresh_from ran as in an explored execution: their nodes hold these very events.
  for (std::size_t s = std::min<std::size_t>(job.fresh_from, forced); s < forced; ++s) {
    nodes_[s].event = outcome.steps[s];
  }
  for (std::size_t s = forced; s < outcome.steps.size(); ++s) {
    nodes_.emplace_back().event = outcome.steps[s];
  }
  for (std::size_t k = job.values.size(); k < outcome.values.size(); ++k) {
    const DporOutcome::Value& v = outcome.values[k];
    values_.push_back(
        ValueNode{v.bound, v.chosen, v.steps_before, std::move(guides[k - job.values.size()])});
  }
  if (part_ && job.fresh_from <= root_ && root_ < nodes_.size()) {
    root_event_ = nodes_[root_].event;  // the part's first run: its root step as it ran
  }
  for (const WakeupInsertion& ins : outcome.insertions) {
    if (ins.node < nodes_.size()) accept(outcome, ins);
  }
}

void DporSearch::accept(const DporOutcome& source, const WakeupInsertion& ins) {
  if (!part_ || ins.node > root_) {
    insert(nodes_[ins.node], source, ins);
    return;
  }
  // The giver's wakeup tree: kept for it, in order.
  if (kept_.empty()) kept_.push_back(std::make_unique<DporOutcome>());
  DporOutcome& own = *kept_.front();
  WakeupInsertion& kept = deferred_.emplace_back(Deferred{0, ins}).race;
  kept.first = static_cast<uint32_t>(own.sequence_steps.size());
  kept.before = static_cast<uint32_t>(own.sequence_before.size());
  const auto steps = source.sequence_steps.begin() + ins.first;
  own.sequence_steps.insert(own.sequence_steps.end(), steps, steps + ins.size);
  const auto before = source.sequence_before.begin() + ins.before;
  own.sequence_before.insert(own.sequence_before.end(), before,
                             before + std::size_t{ins.size} * ins.size);
}

void DporSearch::insert(Node& node, const DporOutcome& source, const WakeupInsertion& ins) {
  const std::size_t n = ins.size;
  const StepEvent* steps = &source.sequence_steps[ins.first];
  const uint8_t* before = &source.sequence_before[ins.before];
  std::vector<uint8_t>& alive = alive_;
  alive.assign(n, 1);
  std::size_t remaining = n;
  std::vector<WakeupNode>* level = &node.wut;
  WakeupNode* top = nullptr;  // the node's pending branch v goes under
  for (;;) {
    if (remaining == 0) return;  // v is a prefix of a pending branch
    bool descended = false;
    for (WakeupNode& c : *level) {
      // Is c's thread a weak initial of what is left of v?
      const ThreadId p = c.event.thread;
      std::size_t first = n;
      for (std::size_t a = 0; a < n && first == n; ++a) {
        if (alive[a] != 0 && steps[a].thread == p) first = a;
      }
      bool initial = true;
      if (first < n) {
        for (std::size_t b = 0; b < first && initial; ++b) {
          initial = alive[b] == 0 || before[b * n + first] == 0;
        }
      } else {
        for (std::size_t a = 0; a < n && initial; ++a) {
          initial = alive[a] == 0 || !ordered(c.event, steps[a]);
        }
      }
      if (!initial) continue;
      if (c.children.empty()) return;  // a pending leaf: exploring it covers v
      if (first < n) {
        alive[first] = 0;
        --remaining;
      }
      if (level == &node.wut) top = &c;
      level = &c.children;
      descended = true;
      break;
    }
    if (descended) continue;
    // No branch covers v: the rest of it becomes a new leaf after the existing branches.
    if (top != nullptr && top->given != 0 && !top->spoiled) {
      top->spoiled = true;  // its part explores the subtree as it was: wasted
      spoiled_.push_back(top->given);
    }
    std::vector<WakeupNode>* at = level;
    for (std::size_t a = 0; a < n; ++a) {
      if (alive[a] == 0) continue;
      WakeupNode& added = at->emplace_back();
      added.event = steps[a];
      at = &added.children;
    }
    return;
  }
}

namespace {

bool same_step(const StepEvent& a, const StepEvent& b) {
  return a.thread == b.thread && a.op == b.op && a.loop == b.loop && a.pending.op == b.pending.op &&
         a.pending.object == b.pending.object && a.pending.aux == b.pending.aux &&
         a.pending.arg == b.pending.arg;
}

}  // namespace

bool DporSearch::givable(std::size_t& k, std::size_t& at) const {
  if (first_) return false;
  // The shallowest node's: it has the most below it. (Preferring pending leaves, which a race
  // found here later cannot change, was tried: on lastzero it gave small parts first and left the
  // big ones for later, when they were spoiled ten times as often.)
  for (std::size_t s = part_ ? root_ + 1 : 0; s < nodes_.size(); ++s) {
    const std::vector<WakeupNode>& wut = nodes_[s].wut;
    std::size_t i = 0;
    while (i < wut.size() && (wut[i].given != 0 || wut[i].kept)) ++i;
    if (i < wut.size()) {
      k = s;
      at = i;
      return true;
    }
  }
  return false;
}

bool DporSearch::can_give() const {
  std::size_t k = 0;
  std::size_t at = 0;
  return givable(k, at);
}

bool DporSearch::give(uint64_t number, DporSearch& part) {
  std::size_t k = 0;
  std::size_t at = 0;
  if (!givable(k, at)) return false;
  Node& n = nodes_[k];
  WakeupNode& branch = n.wut[at];
  // The part: the steps up to k as here (with nothing left to explore from them), then the
  // branch, with the one under way here and the pending ones before it asleep, and its wakeup
  // subtree below it.
  part = DporSearch();
  part.names_ = names_;  // one naming for the whole search
  part.part_ = true;
  part.root_ = static_cast<uint32_t>(k);
  part.nodes_.resize(k + 1);
  for (std::size_t s = 0; s < k; ++s) {
    part.nodes_[s].event = nodes_[s].event;
    part.nodes_[s].done = nodes_[s].done;
  }
  Node& root = part.nodes_[k];
  root.event = branch.event;
  root.done = n.done;
  root.done.push_back(Sleeper{n.event.thread, n.event});
  for (std::size_t i = 0; i < at; ++i)
    root.done.push_back(Sleeper{n.wut[i].event.thread, n.wut[i].event});
  part.assumed_ = root.done;
  part.begin_branch(branch.children);
  // Random values chosen before the branch are fixed for it; their alternatives stay here.
  for (const ValueNode& v : values_) {
    if (v.nodes_before <= k) {
      part.values_.push_back(ValueNode{v.chosen + 1, v.chosen, v.nodes_before, {}});
    }
  }
  part.fresh_from_ = static_cast<uint32_t>(k);
  branch.given = number;
  branch.spoiled = false;
  return true;
}

uint64_t DporSearch::due() const {
  return nodes_.back().wut.front().given;
}

bool DporSearch::fits(const DporSearch& part) const {
  const Node& n = nodes_.back();
  if (n.wut.front().spoiled) return false;
  // The branches explored before it (one given before it may have run otherwise than its wakeup
  // tree said: a compare_exchange that failed there).
  const std::vector<Sleeper>& assumed = part.assumed_;
  if (assumed.size() != n.done.size() + 1) return false;
  for (std::size_t i = 0; i < n.done.size(); ++i) {
    if (!same_step(assumed[i].event, n.done[i].event)) return false;
  }
  return same_step(assumed.back().event, n.event);
}

void DporSearch::take_back() {
  WakeupNode& branch = nodes_.back().wut.front();
  branch.given = 0;
  branch.spoiled = false;
  branch.kept = true;  // next in line here: giving it again would only make this search wait
}

void DporSearch::splice(const DporSearch& part) {
  Node& n = nodes_.back();
  INTERLEAVE_INTERNAL_CHECK(
      part.part_ && part.root_ + 1 == nodes_.size() && n.wut.front().given != 0,
      "a part spliced where its branch is not due");
  n.done.push_back(Sleeper{n.event.thread, n.event});
  n.event = part.root_event_;
  n.wut.erase(n.wut.begin());
}

bool DporSearch::splice_races(DporSearch& part, std::size_t& next, std::size_t budget) {
  // The races the part found at or above its root, as if found here. Those for the search that
  // gave this one, in turn, are passed up in the part's own buffers, which this part takes over.
  if (next == 0 && part_ && !part.kept_.empty()) {
    if (kept_.empty()) kept_.push_back(std::make_unique<DporOutcome>());
    splicing_from_ = static_cast<uint32_t>(kept_.size());
    for (std::unique_ptr<DporOutcome>& b : part.kept_) kept_.push_back(std::move(b));
    part.kept_.clear();
  }
  const std::vector<Deferred>& races = part.deferred_;
  const std::size_t end = std::min(races.size(), next + budget);
  for (; next < end; ++next) {
    const Deferred& d = races[next];
    if (!part_) {
      insert(nodes_[d.race.node], *part.kept_[d.buffer], d.race);
    } else if (d.race.node > root_) {
      insert(nodes_[d.race.node], *kept_[splicing_from_ + d.buffer], d.race);
    } else {
      deferred_.push_back(Deferred{splicing_from_ + d.buffer, d.race});
    }
  }
  return next == races.size();
}

}  // namespace interleave
