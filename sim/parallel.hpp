// Parallel exploration: executions run on J threads, each with its own fibers, strategy and
// monitor, and results are taken in exactly the order one thread would produce them, so every J
// gives the same executions, counts, bugs and execution numbers (determinism is not traded for
// speed). Two ways:
//  - a strategy whose execution k depends on k alone (random, rr), or on runs well before it
//    (pct): the search stays on the calling thread, and other threads run executions ahead,
//    their results waiting for their turn; the calling thread runs the next one itself whenever
//    no other thread has it, and executions too short to gain from a hand-over all stay with it;
//  - optimal DPOR: the search itself is split. A thread with nothing to do is given a whole
//    subtree of another thread's search (DporSearch::give) and explores it with a search of its
//    own; the giver splices the outcome in when that subtree's turn comes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/runner.hpp"

namespace interleave {

using MonitorFactory = std::function<std::unique_ptr<Monitor>()>;

/// One execution as a parallel search keeps it until its turn comes: the run and, only when it
/// found something, the schedule and random values that replay it.
struct FinishedRun {
  RunResult run;
  std::vector<ThreadId> schedule;
  std::vector<uint64_t> random;

  /// Runs one execution on `x` (see run_execution) and keeps what replays it if it found
  /// something.
  void run_on(const SimModel& model, Execution& x, Strategy& strategy, Monitor* monitor);
};

/// Where the executions of a parallel exploration come from, in their order.
class ExecutionSource {
 public:
  struct Task {
    uint64_t key = 0;      // identifies a task that can run ahead; 0: it cannot
    uint64_t index = 0;    // passed to the strategy's begin_execution
    uint64_t setting = 0;  // what else the execution depends on (pct: its estimate of a run)
  };

  virtual ~ExecutionSource() = default;
  /// The next task in order; false when there are no more.
  virtual bool next(Task& task) = 0;
  /// Up to `count` tasks that come after the next one, leaving out those `known` says are taken.
  virtual void ahead(std::size_t count, const std::function<bool(uint64_t)>& known,
                     std::vector<Task>& tasks) = 0;
  /// A strategy of its own for one thread. Called by each thread as it starts, while the search's
  /// thread may be calling next(), ahead() or taken(): it must read only what never changes.
  virtual std::unique_ptr<Strategy> lane_strategy() = 0;
  /// Prepares `strategy` (one of lane_strategy()'s) for `task`; on any thread, at any time.
  virtual void begin(Strategy& strategy, const Task& task) const {
    strategy.begin_execution(task.index);
  }
  /// The run of the task next() gave last, in order, before the next call of next() or ahead().
  /// True if tasks given by ahead() may now be out of date (see update()).
  virtual bool taken(const Task& /*task*/, const RunResult& /*run*/) { return false; }
  /// Brings a task given by ahead() and not run yet up to date with the runs taken since. A task
  /// run on an out-of-date setting is run again when its turn comes.
  virtual void update(Task& /*task*/) const {}
  /// How long an execution must take for other threads to be worth it (seconds).
  virtual double min_parallel_run_s() const = 0;
};

/// A strategy whose execution k depends on k alone (random, rr); `make` gives each thread one.
std::unique_ptr<ExecutionSource> indexed_source(std::function<std::unique_ptr<Strategy>()> make);
/// PCT's executions: execution k depends on k and on the runs before the last point where PCT
/// takes in the longest run seen (PctStrategy::refreshes_estimate), so the executions up to the
/// next such point can run ahead.
std::unique_ptr<ExecutionSource> pct_source(uint64_t seed, uint32_t depth);

/// Explores on `jobs` threads (the caller's included). `monitors` gives each thread its own
/// monitor (may be empty: none).
ExploreResult explore_parallel(const SimModel& model, ExecutionSource& source,
                               const ExploreOptions& options, unsigned jobs,
                               const MonitorFactory& monitors);

/// How a parallel DPOR search split its work.
struct DporParallelStats {
  uint64_t parts = 0;         // subtrees given to other threads
  uint64_t spoiled = 0;       // of them, explored again by their giver (the subtree had grown)
  uint64_t spoiled_runs = 0;  // runs of spoiled parts, which count for nothing
  uint64_t runs = 0;          // runs made by all parts, spoiled or not
  double idle_s = 0;          // time threads spent waiting for a part, summed
  uint64_t waits = 0;         // times a thread waited for a part
};

/// Optimal DPOR on `jobs` threads (the caller's included). A thread with nothing to do is given
/// a whole subtree by one that has pending branches (DporSearch::give), and results are counted
/// in the order one thread finds them: every J gives the same executions, counts, bugs and
/// execution numbers. `stats`, if given, receives how the work was split. `eager` (tests): every
/// part gives a branch away whenever it has one, wanted or not, so that even one thread splits
/// its search into parts, splices them and finds some spoiled, all in a fixed order.
ExploreResult explore_dpor_parallel(const SimModel& model, const ExploreOptions& options,
                                    unsigned jobs, const MonitorFactory& monitors,
                                    DporParallelStats* stats = nullptr, bool eager = false);

/// dfs (optionally preemption-bounded, as DfsStrategy) on `jobs` threads, split the same way:
/// a thread with nothing to do is given the subtree of an untried option of another's search,
/// and results are counted in the order one thread finds them, rounds of the bound included.
ExploreResult explore_dfs_parallel(const SimModel& model, const ExploreOptions& options,
                                   std::optional<uint32_t> max_preemptions, unsigned jobs,
                                   const MonitorFactory& monitors,
                                   DporParallelStats* stats = nullptr, bool eager = false);

}  // namespace interleave
