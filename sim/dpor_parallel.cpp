// Optimal DPOR on several threads: the split-search engine (split_search.hpp) over DporSearch.
#include "sim/dpor_search.hpp"
#include "sim/dpor_strategy.hpp"
#include "sim/parallel.hpp"
#include "sim/split_search.hpp"

namespace interleave {
namespace {

/// DPOR's lane: runs the jobs of a search through a strategy of its own.
class DporLane : public split::LaneCore {
 public:
  static constexpr const char* kStrategy = "dpor";
  using Search = DporSearch;
  using LaneCore::LaneCore;

  /// The next job of `search`, if it has one.
  DporSearch::Next next(DporSearch& search) { return search.next(job_); }
  /// Runs that job and takes the outcome back into `search`.
  void run(DporSearch& search) {
    strategy_.assign(job_, outcome_);
    strategy_.begin_execution(0);
    run_under(strategy_);
    search.integrate(job_, outcome_);
  }
  /// DPOR runs each trace once: nothing repeats.
  static bool repeats(const DporSearch&, const RunResult&) { return false; }

 private:
  DporJobStrategy strategy_;
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
