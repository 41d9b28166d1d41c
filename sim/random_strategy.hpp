// Uniform random scheduling: every enabled thread is equally likely at every step.
#pragma once

#include "sim/rng.hpp"
#include "sim/strategy.hpp"

namespace interleave {

class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(uint64_t seed) : seed_(seed) {}
  bool begin_execution(uint64_t index) override {
    rng_.seed(Rng::derive(seed_, index));
    return true;
  }
  ThreadId pick(const ChoicePoint& point) override {
    if (point.enabled.size() == 1) return point.enabled[0];
    return point.enabled[rng_.below(point.enabled.size())];
  }
  uint64_t pick_value(const ValuePoint& point) override { return rng_.below(point.bound); }
  std::string name() const override { return "random"; }

 private:
  uint64_t seed_;
  Rng rng_;
};

}  // namespace interleave
