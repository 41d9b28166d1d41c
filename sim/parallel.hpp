// Parallel exploration: executions run on J threads, each with its own fibers, strategy and
// monitor, while the search, the counts and the bugs stay on the calling thread.
// Ground rules:
//  - results are taken in exactly the order one thread would produce them, so every J gives the
//    same executions, counts, bugs and execution numbers (determinism is not traded for speed);
//  - other threads only run executions ahead: a task that is fixed before its turn comes (a
//    pending leaf of the DPOR tree, execution k of a seeded random search) is run early and its
//    result waits until the search reaches it. Nothing run ahead is thrown away unless the
//    search stops early;
//  - the calling thread runs the next task itself whenever no other thread has it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/dpor_search.hpp"
#include "sim/runner.hpp"

namespace interleave {

using MonitorFactory = std::function<std::unique_ptr<Monitor>()>;

/// Where the executions of a parallel exploration come from, in their order.
class ExecutionSource {
 public:
  struct Task {
    uint64_t key = 0;    // identifies a task that can run ahead; 0: it cannot
    uint64_t index = 0;  // passed to the strategy's begin_execution
    DporJob job;         // dpor: the branch to run
  };

  virtual ~ExecutionSource() = default;
  /// The next task in order; false when there are no more.
  virtual bool next(Task& task) = 0;
  /// Up to `count` tasks that come after the next one, leaving out those `known` says are taken.
  virtual void ahead(std::size_t count, const std::function<bool(uint64_t)>& known,
                     std::vector<Task>& tasks) = 0;
  /// A strategy of its own for one thread.
  virtual std::unique_ptr<Strategy> lane_strategy() = 0;
  /// Sets a thread's strategy up to run `task`, its DPOR outcome (if any) going to `out`.
  virtual void assign(Strategy& strategy, const Task& task, DporOutcome& out) const = 0;
  /// Takes back, in order, the outcome of the task next() returned last.
  virtual void integrate(const Task& /*task*/, const DporOutcome& /*out*/) {}
  /// How long an execution must take for other threads to be worth it (seconds).
  virtual double min_parallel_run_s() const = 0;
};

/// Optimal DPOR: tasks are the search's jobs; pending leaves of the tree run ahead.
std::unique_ptr<ExecutionSource> dpor_source();
/// A strategy whose execution k depends on k alone (random, rr); `make` gives each thread one.
std::unique_ptr<ExecutionSource> indexed_source(std::function<std::unique_ptr<Strategy>()> make);

/// Explores on `jobs` threads (the caller's included). `monitors` gives each thread its own
/// monitor (may be empty: none).
ExploreResult explore_parallel(const SimModel& model, ExecutionSource& source,
                               const ExploreOptions& options, unsigned jobs,
                               const MonitorFactory& monitors);

}  // namespace interleave
