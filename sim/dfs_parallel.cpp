// dfs on several threads: the split-search engine (split_search.hpp) over DfsStrategy. A thread
// with nothing to do is given the subtree of an untried option of another thread's search.
#include "sim/dfs_strategy.hpp"
#include "sim/parallel.hpp"
#include "sim/split_search.hpp"
#include "sim/stack_pool.hpp"

namespace interleave {
namespace {

/// One thread's means to run executions: its own fibers, run state and monitor. A dfs search is
/// its own strategy, so the lane runs the part's search itself.
class DfsLane {
 public:
  static constexpr const char* kStrategy = "dfs";
  using Search = DfsStrategy;
  DfsLane(const SimModel& model, const ExploreOptions& options, const MonitorFactory& monitors)
      : model_(model), x_(pool_, options.execution), monitor_(monitors ? monitors() : nullptr) {}

  static DfsStrategy::Next next(DfsStrategy& search) { return search.next(); }
  void run(DfsStrategy& search, FinishedRun& out) {
    out.run_on(model_, x_, search, monitor_.get());
  }
  /// As one thread counts them: a run an earlier round of the preemption bound covered.
  static bool repeats(const DfsStrategy& search, const RunResult& run) {
    return run.status != RunStatus::kBlocked && run.status != RunStatus::kPruned &&
           search.repeats_earlier(run.preemptions);
  }
  FinishedRun record;  // every run's, reused

 private:
  const SimModel& model_;
  StackPool pool_;
  Execution x_;
  std::unique_ptr<Monitor> monitor_;
};

}  // namespace

ExploreResult explore_dfs_parallel(const SimModel& model, const ExploreOptions& options,
                                   std::optional<uint32_t> max_preemptions, unsigned jobs,
                                   const MonitorFactory& monitors, DporParallelStats* stats,
                                   bool eager) {
  return split::explore<DfsLane>(model, options, jobs, monitors, stats, eager,
                                 DfsStrategy(max_preemptions));
}

}  // namespace interleave
