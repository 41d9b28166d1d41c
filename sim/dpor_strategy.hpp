// The dpor strategy: optimal DPOR (sim/dpor_search.hpp) behind the Strategy interface, one job
// at a time. Parallel exploration drives DporSearch and DporRun directly (sim/parallel.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "sim/dpor_search.hpp"
#include "sim/strategy.hpp"

namespace interleave {

class DporStrategy final : public Strategy {
 public:
  bool begin_execution(uint64_t index) override;
  ThreadId pick(const ChoicePoint& point) override { return run_.pick(point); }
  uint64_t pick_value(uint64_t bound) override { return run_.pick_value(bound); }
  void end_execution(const ExecutionSummary& summary) override;
  std::string name() const override { return "dpor"; }
  bool wants_outcomes() const override { return true; }

 private:
  DporSearch search_;
  DporJob job_;
  DporRun run_;
  DporOutcome outcome_;
};

}  // namespace interleave
