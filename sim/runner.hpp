// Runs many executions of a model under one strategy and collects distinct bugs.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/event.hpp"
#include "sim/execution.hpp"
#include "sim/finding.hpp"
#include "sim/strategy.hpp"

namespace interleave {

/// A model as the simulator runs it: the root thread's body.
using SimModel = std::function<void(Execution&)>;

/// What a progress display shows, at most ~10 times a second.
struct ExploreProgress {
  uint64_t executions = 0;
  uint64_t bugs = 0;
  double elapsed_s = 0;
};

struct ExploreOptions {
  uint64_t max_executions = 1000;
  double time_limit_s = 0;  // 0: none
  bool all = false;         // keep going after the first bug
  /// Called now and then during a search (never more than ~10 times a second); may be empty.
  std::function<void(const ExploreProgress&)> on_progress;
  ExecutionConfig execution;
  /// Parallel random and rr searches: hand executions to other threads only while they take at
  /// least this long (seconds, measured as the search goes); below it the hand-over costs more
  /// than it saves. Negative: the execution source's own threshold; 0: always (tests).
  double parallel_min_run_s = -1;
  /// Set from anywhere (a signal handler, another thread) to stop the search as a budget would,
  /// before the next execution it counts (the ones under way finish first); the result then
  /// says `cancelled`.
  const std::atomic<bool>* cancel = nullptr;
};

/// A distinct bug (by Finding::key) and the first execution that hit it.
struct BugRecord {
  Finding finding;
  uint64_t execution = 0;          // 1-based number of the first execution that hit it
  uint64_t steps = 0;              // steps that execution ran
  uint64_t preemptions = 0;        // preemptions in that execution
  uint64_t count = 0;              // executions that hit it
  std::vector<ThreadId> schedule;  // of the first execution: replaying it reproduces the bug
  std::vector<uint64_t> random;
};

struct ExploreResult {
  uint64_t executions = 0;  // completed executions (blocked ones not included)
  uint64_t blocked = 0;     // cut off by a false assume
  uint64_t pruned = 0;      // cut short by the strategy as redundant (sleep-set blocked)
  uint64_t total_steps = 0;
  uint64_t max_depth = 0;  // most steps in one execution
  bool complete = false;   // the strategy ran out of executions: the whole space was covered
  // The strategy has nothing new to run (round-robin's quanta repeat the last run), though it
  // does not cover every interleaving: not `complete`.
  bool strategy_exhausted = false;
  bool cancelled = false;  // stopped by ExploreOptions::cancel
  double elapsed_s = 0;
  // Runs resumed from a state an earlier run kept (ExecutionConfig::resumable), not re-run from
  // the start; a serial search's figure (a parallel one leaves it 0).
  uint64_t resumed = 0;
  std::vector<BugRecord> bugs;
  std::string error;  // an internal failure (a strategy abandoned a run)
};

/// Explores `model`. `monitor` (may be null) judges every run and adds findings (where a run
/// repeats the first steps of the one before, it is rewound instead of hearing them again).
ExploreResult explore(const SimModel& model, Strategy& strategy, const ExploreOptions& options,
                      Monitor* monitor = nullptr);

/// Runs one execution of `model` on `x` under `strategy` (whose begin_execution() said yes),
/// with `monitor` (may be null) listening, into `out`, and tells the strategy how it ended.
/// Every run on `x` must be of the same `model` (Execution::run_search).
void run_execution(const SimModel& model, Execution& x, Strategy& strategy, Monitor* monitor,
                   RunResult& out);

/// A search's budget and progress display, checked before each execution.
class SearchPacer {
 public:
  explicit SearchPacer(const ExploreOptions& options);
  /// Whether execution `index` may start (the executions and time budgets); reports progress.
  bool go_on(uint64_t index, const ExploreResult& so_far);
  /// go_on() for many runs at once (counted without an executions budget): the time limit and
  /// progress are checked whatever `index` is.
  bool go_on_many(uint64_t index, const ExploreResult& so_far);
  double elapsed_s() const;
  /// After go_on(index) said no: whether only the executions budget stopped the search (not a
  /// cancel or the time limit). A search that covered the whole space with exactly the budget is
  /// complete all the same.
  bool only_the_budget_stops(uint64_t index) const;
  /// Whether ExploreOptions::cancel is set (checked by every go_on); remembered.
  bool cancel_requested();
  /// Whether a go_on or cancel_requested said so.
  bool cancelled() const { return cancelled_; }

 private:
  const ExploreOptions& options_;
  bool cancelled_ = false;
  std::chrono::steady_clock::time_point start_;
  double next_progress_ = 0.1;
};

/// Counts one finished run (the `number`th) into a search's result and merges its bugs; true
/// when the search stops there (a bug, and not `all`). `repeats_earlier`: counted in an earlier
/// round already (iterative bounding); a blocked or pruned run is counted as such regardless.
bool tally_run(ExploreResult& out, const RunResult& run, const std::vector<ThreadId>& schedule,
               const std::vector<uint64_t>& random, uint64_t number, bool repeats_earlier,
               bool all);
/// `hits` more hits of a bug an earlier run (in counting order) already merged: a parallel
/// search keeps only the key of a run's findings when the same part found them first.
void tally_hit(ExploreResult& out, const Finding& finding, uint64_t hits = 1);

/// Whether a run counts as an execution, and its bugs as found: neither blocked, pruned nor a
/// repeat of an earlier round.
inline bool counts_as_execution(RunStatus status, bool repeats) {
  return status != RunStatus::kBlocked && status != RunStatus::kPruned && !repeats;
}

/// Runs summed up, in no particular order: what tally_run counts of each but their bugs.
struct RunSum {
  uint64_t runs = 0;
  uint64_t executions = 0;  // neither blocked, pruned nor repeated
  uint64_t blocked = 0;
  uint64_t pruned = 0;
  uint64_t total_steps = 0;
  uint64_t max_depth = 0;

  /// Adds one run; tally_run counts each run this way.
  void add(RunStatus status, uint64_t steps, bool repeats);
};
void tally_sum(ExploreResult& out, const RunSum& sum);

/// What a single run chose, enough to save it as a trace.
struct RunRecord {
  std::vector<ThreadId> schedule;        // every step, or (timed runs) every real decision
  std::vector<uint64_t> decision_steps;  // timed runs: the step of each schedule entry
  std::vector<uint64_t> random;
};

/// Runs `model` once under `strategy` (a replay, or a timed simulation) with `monitor`
/// listening; `record`, if given, receives what the run chose.
RunResult run_once(const SimModel& model, Strategy& strategy, Monitor* monitor,
                   const ExecutionConfig& config, RunRecord* record = nullptr);

}  // namespace interleave
