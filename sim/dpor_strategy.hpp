// The dpor strategy: optimal DPOR (sim/dpor_search.hpp) behind the Strategy interface, one job
// at a time. A parallel search (sim/dpor_parallel.cpp) gives each thread searches of its own and
// runs their jobs through DporJobStrategy.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "sim/dpor_search.hpp"
#include "sim/strategy.hpp"

namespace interleave {

class DporStrategy final : public Strategy {
 public:
  bool begin_execution(uint64_t index) override;
  ThreadId pick(const ChoicePoint& point) override { return run_.pick(point); }
  uint64_t pick_value(const ValuePoint& point) override { return run_.pick_value(point.bound); }
  void end_execution(const ExecutionSummary& summary) override;
  std::string name() const override { return "dpor"; }
  bool wants_outcomes() const override { return true; }
  // Each job's path begins with the steps its branch shares with the run before (depth first).
  bool repeats_prefixes() const override { return true; }
  std::span<const ThreadId> planned_prefix() const override { return run_.planned(); }

 private:
  DporSearch search_;
  DporJob job_;
  DporRun run_;
  DporOutcome outcome_;
};

/// One given job per execution, its outcome written where the caller says: what each thread of
/// a parallel search runs, for whichever part of the tree it explores.
class DporJobStrategy final : public Strategy {
 public:
  /// The next execution runs `job` and leaves its outcome in `out`; both must outlive it.
  void assign(const DporJob& job, DporOutcome& out) {
    job_ = &job;
    out_ = &out;
  }
  bool begin_execution(uint64_t /*index*/) override {
    run_.start(*job_);
    return true;
  }
  ThreadId pick(const ChoicePoint& point) override { return run_.pick(point); }
  uint64_t pick_value(const ValuePoint& point) override { return run_.pick_value(point.bound); }
  void end_execution(const ExecutionSummary& summary) override {
    run_.finish(summary.outcomes, summary.pending, summary.blocked, summary.deadlocked, *out_);
  }
  std::string name() const override { return "dpor"; }
  bool wants_outcomes() const override { return true; }
  // A thread's jobs share their first steps with its run before when they come from the same
  // part of the tree, one after the other.
  bool repeats_prefixes() const override { return true; }
  std::span<const ThreadId> planned_prefix() const override { return run_.planned(); }

 private:
  const DporJob* job_ = nullptr;
  DporOutcome* out_ = nullptr;
  DporRun run_;
};

}  // namespace interleave
