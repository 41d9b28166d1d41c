// dfs on several threads: the split-search engine (split_search.hpp) over DfsStrategy. A thread
// with nothing to do is given the subtree of an untried option of another thread's search.
#include "sim/dfs_strategy.hpp"
#include "sim/parallel.hpp"
#include "sim/split_search.hpp"

namespace interleave {
namespace {

/// A dfs search is its own strategy, so the lane runs the part's search itself.
class DfsLane : public split::LaneCore {
 public:
  static constexpr const char* kStrategy = "dfs";
  using Search = DfsStrategy;
  using LaneCore::LaneCore;

  static DfsStrategy::Next next(DfsStrategy& search) { return search.next(); }
  void run(DfsStrategy& search) { run_under(search); }
  /// As one thread counts them: a run an earlier round of the preemption bound covered.
  static bool repeats(const DfsStrategy& search, const RunResult& run) {
    return search.repeats_earlier(run.preemptions);
  }
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
