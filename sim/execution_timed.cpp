// Timed scheduling: the virtual clock, the preemption policies and fair or barging mutexes.
#include <algorithm>
#include <limits>

#include "sim/execution.hpp"

namespace interleave {
namespace {

bool gives_up_cpu(Op op) {
  return op == Op::kYield || op == Op::kAwait;
}

}  // namespace

bool Execution::timed_enabled(uint32_t index) const {
  const ThreadState& t = threads_[index];
  if (t.finished || t.sleep_until > now_) return false;
  if (t.loop != kNoObject) {
    const ThreadId running = objects_[to_index(t.loop)].holder;
    if (running != kNoThread && running != ThreadId{index}) return false;
  }
  const PendingOp& p = pending_[index];
  switch (p.op) {
    case Op::kLock: {
      const ObjectInfo& m = objects_[to_index(p.object)];
      if (m.holder != kNoThread) return false;
      if (m.grant_to == kNoThread) return true;
      if (m.grant_to == ThreadId{index}) return now_ >= m.grant_at;
      // Someone else was woken for it. A barging thread still takes it if its lock (one
      // operation) completes before the woken waiter gets to run.
      return config_.timing.fairness == Fairness::kBarging &&
             now_ + config_.timing.op_cost_ns < m.grant_at;
    }
    case Op::kJoin:
      return threads_[p.arg].finished;
    case Op::kWake:
      return t.notified && objects_[to_index(p.aux)].holder == kNoThread &&
             objects_[to_index(p.aux)].grant_to == kNoThread;
    default:
      return true;
  }
}

void Execution::grant_on_unlock(ObjectId mutex) {
  // Wake the longest waiter. FIFO hands it the mutex now; barging lets it take the mutex only
  // after its wake-up latency, if the releasing thread has not taken it back meanwhile.
  uint32_t waiter = kMainSlot;
  for (uint32_t i = 0; i < threads_.size(); ++i) {
    const ThreadState& t = threads_[i];
    if (t.finished || pending_[i].op != Op::kLock || pending_[i].object != mutex) continue;
    if (t.sleep_until > now_) continue;  // still asleep: not waiting for the mutex yet
    if (i == current_) continue;
    if (waiter == kMainSlot || t.lock_seq < threads_[waiter].lock_seq) waiter = i;
  }
  ObjectInfo& m = object(mutex);
  if (waiter == kMainSlot) {
    m.grant_to = kNoThread;
    return;
  }
  int64_t latency = 0;
  if (config_.timing.fairness == Fairness::kBarging && config_.timing.wake_latency_max_ns > 0) {
    latency =
        static_cast<int64_t>(random(static_cast<uint64_t>(config_.timing.wake_latency_max_ns) + 1));
  }
  m.grant_to = ThreadId{waiter};
  m.grant_at = now_ + latency;
}

void Execution::sleep_timed(int64_t nanos, Loc loc, ObjectId loop) {
  point(PendingOp{Op::kSleep, loop}, loc);
  if (unwinding_) return;
  threads_[current_].sleep_until = now_ + std::max<int64_t>(nanos, 0);
  emit(Op::kSleep, loop, nanos, loc);
  // Nothing the thread does after the sleep may happen before it wakes: it waits here, at a
  // wake-up step (a task also gives its loop back meanwhile, and resumes it by awaiting).
  if (loop != kNoObject) object(loop).holder = kNoThread;
  point(loop != kNoObject ? PendingOp{Op::kAwait, loop} : PendingOp{Op::kSleep, kNoObject}, loc);
  if (unwinding_) return;
  if (loop != kNoObject) emit(Op::kAwait, loop, 0, loc);
}

uint32_t Execution::choose_timed(uint32_t self) {
  const TimingConfig& timing = config_.timing;
  // The common case under the GIL: the holder runs on, with nothing to decide.
  if (timing.policy == Policy::kGil && ThreadId{self} == gil_holder_ &&
      now_ - gil_since_ < timing.switch_interval_ns && !threads_[self].finished &&
      threads_[self].sleep_until <= now_ && !gives_up_cpu(pending_[self].op) &&
      timed_enabled(self)) {
    now_ += pending_[self].op == Op::kSleep ? timing.syscall_cost_ns : timing.op_cost_ns;
    ++step_;
    return self;
  }
  if (step_ >= config_.step_limit) [[unlikely]] {
    return stop_at_step_limit();
  }
  const auto count = static_cast<uint32_t>(threads_.size());
  ThreadId* candidates = enabled_.data();
  uint32_t n = 0;
  for (;;) {
    n = 0;
    for (uint32_t i = 0; i < count; ++i) {
      if (timed_enabled(i)) candidates[n++] = ThreadId{i};
    }
    if (n > 0) break;
    // Nobody can run now: jump to the next wake-up (a sleeper's, or a woken waiter's).
    int64_t next = std::numeric_limits<int64_t>::max();
    for (uint32_t i = 0; i < count; ++i) {
      const ThreadState& t = threads_[i];
      if (!t.finished && t.sleep_until > now_) next = std::min(next, t.sleep_until);
    }
    for (const ObjectInfo& m : objects_) {
      if (m.grant_to != kNoThread && m.holder == kNoThread && m.grant_at > now_) {
        next = std::min(next, m.grant_at);
      }
    }
    if (next == std::numeric_limits<int64_t>::max()) return stop_without_enabled();
    now_ = next;
  }

  // The policy narrows the candidates; a remaining choice goes to the strategy.
  const auto has = [&](ThreadId t) {
    return std::find(candidates, candidates + n, t) != candidates + n;
  };
  if (timing.policy == Policy::kGil) {
    const ThreadId holder = gil_holder_;
    const bool holder_runs =
        holder != kNoThread && has(holder) && !gives_up_cpu(pending_[to_index(holder)].op);
    if (holder_runs && now_ - gil_since_ < timing.switch_interval_ns) {
      candidates[0] = holder;
      n = 1;
    } else if (n > 1 && holder != kNoThread && has(holder)) {
      // The interval ran out or the holder yields: the GIL goes to another waiting thread.
      std::remove(candidates, candidates + n, holder);
      --n;
    }
  } else if (timing.policy == Policy::kCooperative) {
    // The running thread keeps the CPU until it yields, awaits, sleeps, blocks or ends; then
    // asyncio's ready queue: the one that has been ready longest runs first.
    const Op op = pending_[self].op;
    ThreadId first = ThreadId{self};
    if (!has(first) || gives_up_cpu(op) || op == Op::kSleep) {
      const auto ready = [&](ThreadId t) {
        const ThreadState& s = threads_[to_index(t)];
        return std::max(s.ready_at, s.sleep_until);
      };
      first = candidates[0];
      for (uint32_t k = 1; k < n; ++k) {
        if (ready(candidates[k]) < ready(first)) first = candidates[k];
      }
    }
    candidates[0] = first;
    n = 1;
  }
  ThreadId pick = candidates[0];
  if (n > 1) {
    // (a timed run's schedule holds its decisions only: not shown)
    const ChoicePoint point{step_,
                            std::span<const ThreadId>(candidates, n),
                            ThreadId{self},
                            false,
                            pending_,
                            outcomes_,
                            {},
                            last_visible_};
    pick = strategy_->pick(point);
    if (!has(pick)) [[unlikely]] {
      if (pick == kPruneRun) {
        status_ = RunStatus::kPruned;
        return kMainSlot;
      }
      return abandon(pick, std::span<const ThreadId>(candidates, n));
    }
    schedule_.push_back(pick);
    decision_steps_.push_back(step_);
  }
  const uint32_t next = to_index(pick);
  if (pick != gil_holder_) {
    gil_holder_ = pick;
    gil_since_ = now_;
  }
  if (next != self && !threads_[self].finished && timed_enabled(self) &&
      !gives_up_cpu(pending_[self].op)) {
    ++preemptions_;
  }
  ThreadState& chosen = threads_[next];
  if (chosen.loop != kNoObject) object(chosen.loop).holder = pick;
  const Op op = pending_[next].op;
  now_ += (op == Op::kYield || op == Op::kSleep) ? timing.syscall_cost_ns : timing.op_cost_ns;
  ++step_;
  return next;
}

}  // namespace interleave
