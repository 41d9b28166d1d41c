// PCT: priorities drawn per execution from a seeded stream, d-1 demotions at random steps.
#include "sim/pct_strategy.hpp"

#include <algorithm>

namespace interleave {

bool PctStrategy::begin_execution(uint64_t index) {
  if (index == 0) {
    expected_steps_ = kFirstEstimate;
    longest_ = 0;
  } else if (refreshes_estimate(index)) {
    expected_steps_ = std::max(expected_steps_, longest_);
  }
  begin_with_estimate(index, expected_steps_);
  return true;
}

void PctStrategy::begin_with_estimate(uint64_t index, uint64_t k) {
  expected_steps_ = k;
  rng_.seed(Rng::derive(seed_, index));
  priority_.clear();
  change_points_.clear();
  for (uint32_t i = 1; i < depth_; ++i) change_points_.push_back(1 + rng_.below(expected_steps_));
}

ThreadId PctStrategy::pick(const ChoicePoint& point) {
  // Initial priorities sit above every demoted one (1 .. d-1), in random order.
  for (ThreadId t : point.enabled) {
    const uint32_t i = to_index(t);
    if (i >= priority_.size()) priority_.resize(i + 1, 0);
    if (priority_[i] == 0) priority_[i] = depth_ + 1 + (rng_.next() >> 8);
  }
  for (std::size_t k = 0; k < change_points_.size(); ++k) {
    const uint32_t c = to_index(point.current);
    if (change_points_[k] == point.step && c < priority_.size()) {
      priority_[c] = depth_ - 1 - k;  // the i-th change point demotes to priority d-i
    }
  }
  ThreadId best = point.enabled.front();
  for (ThreadId t : point.enabled) {
    if (priority_[to_index(t)] > priority_[to_index(best)]) best = t;
  }
  return best;
}

void PctStrategy::end_execution(const ExecutionSummary& summary) {
  longest_ = std::max(longest_, summary.steps);
}

}  // namespace interleave
