// Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte 2010): random
// thread priorities, the highest-priority enabled thread runs, and at d-1 random steps the
// running thread drops below everyone. A bug of depth d is found with probability >= 1/(n k^(d-1)).
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
  ThreadId pick(const ChoicePoint& point) override;
  uint64_t pick_value(uint64_t bound) override { return rng_.below(bound); }
  void end_execution(const ExecutionSummary& summary) override;
  std::string name() const override { return "pct"; }

 private:
  uint64_t seed_;
  uint32_t depth_;
  uint64_t expected_steps_ = 64;  // k: grows to the longest run seen
  Rng rng_;
  std::vector<uint64_t> priority_;       // by thread; 0 = not seen yet
  std::vector<uint64_t> change_points_;  // steps where the running thread is demoted
};

}  // namespace interleave
