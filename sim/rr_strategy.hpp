// Round-robin: each thread runs a quantum of steps, then the next enabled thread by id.
// Execution k uses a quantum of k+1 steps, so successive executions differ deterministically,
// until a run in which no quantum cut a thread short: every later one would repeat it.
#pragma once

#include <algorithm>

#include "sim/strategy.hpp"

namespace interleave {

class RoundRobinStrategy final : public Strategy {
 public:
  bool begin_execution(uint64_t index) override {
    quantum_ = index + 1;
    ran_ = 0;
    cut_ = false;
    return true;
  }
  ThreadId pick(const ChoicePoint& point) override {
    const auto& e = point.enabled;
    const bool can_continue = std::find(e.begin(), e.end(), point.current) != e.end();
    if (can_continue && !point.current_yielding) {
      if (ran_ < quantum_) {
        ++ran_;
        return point.current;
      }
      cut_ = true;  // a longer quantum would have gone on here
    }
    ran_ = 1;
    for (ThreadId t : e) {
      if (t > point.current) return t;
    }
    return e.front();
  }
  uint64_t pick_value(const ValuePoint& /*point*/) override { return 0; }
  std::string name() const override { return "rr"; }
  /// No quantum cut a thread short: with any longer quantum the run is the same.
  bool covers_the_rest() const override { return !cut_; }

 private:
  uint64_t quantum_ = 1;
  uint64_t ran_ = 0;
  bool cut_ = false;
};

}  // namespace interleave
