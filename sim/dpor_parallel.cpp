// Optimal DPOR on several threads: the split-search engine (split_search.hpp) over DporSearch.
#include "sim/dpor_search.hpp"
#include "sim/dpor_strategy.hpp"
#include "sim/parallel.hpp"
#include "sim/split_search.hpp"
#include "sim/stack_pool.hpp"

namespace interleave {
namespace {

/// One thread's means to run executions: its own fibers, run state and monitor.
class DporLane {
 public:
  static constexpr const char* kStrategy = "dpor";
  using Search = DporSearch;
  DporLane(const SimModel& model, const ExploreOptions& options, const MonitorFactory& monitors)
      : model_(model), x_(pool_, options.execution), monitor_(monitors ? monitors() : nullptr) {}

  /// The next job of `search`, if it has one.
  DporSearch::Next next(DporSearch& search) { return search.next(job_); }
  /// Runs that job, takes the outcome back into `search` and fills `out`.
  void run(DporSearch& search, FinishedRun& out) {
    strategy_.assign(job_, outcome_);
    strategy_.begin_execution(0);
    out.run_on(model_, x_, strategy_, monitor_.get());
    search.integrate(job_, outcome_);
  }
  /// DPOR runs each trace once: nothing repeats.
  static bool repeats(const DporSearch&, const RunResult&) { return false; }
  FinishedRun record;  // every run's, reused

 private:
  const SimModel& model_;
  StackPool pool_;
  Execution x_;
  DporJobStrategy strategy_;
  std::unique_ptr<Monitor> monitor_;
  DporJob job_;
  DporOutcome outcome_;
};

}  // namespace

ExploreResult explore_dpor_parallel(const SimModel& model, const ExploreOptions& options,
                                    unsigned jobs, const MonitorFactory& monitors,
                                    DporParallelStats* stats, bool eager) {
  return split::explore<DporLane>(model, options, jobs, monitors, stats, eager);
}

}  // namespace interleave
