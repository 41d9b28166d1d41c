// Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte 2010): random
// thread priorities, the highest-priority enabled thread runs, and at d-1 random steps the
// running thread drops below everyone. A bug of depth d is found with probability >= 1/(n k^(d-1)).
// k, the estimate of a run's length that the change points are drawn from, is the longest run
// seen (at least 64 steps), taken in at execution indices 1, 2, 4, ..., 64 and then every 64th
// (0-based; the command line numbers executions from 1): execution i depends only on
// the runs before such a point, so a parallel search can run the executions up to the next point
// ahead and still give exactly the results of one thread (pct_source in parallel.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/rng.hpp"
#include "sim/strategy.hpp"

namespace interleave {

class PctStrategy final : public Strategy {
 public:
  PctStrategy(uint64_t seed, uint32_t depth) : seed_(seed), depth_(depth) {}

  bool begin_execution(uint64_t index) override;
  /// Begins execution `index` with the estimate `k` (what begin_execution would have by then).
  void begin_with_estimate(uint64_t index, uint64_t k);
  /// Whether execution `index` takes in the longest run seen before it as its estimate.
  static bool refreshes_estimate(uint64_t index) {
    return index > 0 && (index % 64 == 0 || (index < 64 && (index & (index - 1)) == 0));
  }
  static constexpr uint64_t kFirstEstimate = 64;
  ThreadId pick(const ChoicePoint& point) override;
  uint64_t pick_value(const ValuePoint& point) override { return rng_.below(point.bound); }
  void end_execution(const ExecutionSummary& summary) override;
  std::string name() const override { return "pct"; }

 private:
  uint64_t seed_;
  uint32_t depth_;
  uint64_t expected_steps_ = kFirstEstimate;  // k: the longest run seen, as of the last refresh
  uint64_t longest_ = 0;                      // the longest run seen
  Rng rng_;
  std::vector<uint64_t> priority_;       // by thread; 0 = not seen yet
  std::vector<uint64_t> change_points_;  // steps where the running thread is demoted
};

}  // namespace interleave
