// Depth-first search over every interleaving of the steps that touch shared objects, optionally
// preemption-bounded. Steps that touch nothing shared (sleep, yield, spawn, join) commute with
// everything, so they run as soon as they can and are never a choice of their own.
// With a bound K the search runs bound 0, 1, ..., K in turn (iterative context bounding), so the
// first bug found is one with the fewest preemptions; runs an earlier round already covered are
// repeated but not counted again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/strategy.hpp"

namespace interleave {

class DfsStrategy final : public Strategy {
 public:
  /// `max_preemptions`: none for no bound; `raise_until_bug` keeps raising the bound without end.
  explicit DfsStrategy(std::optional<uint32_t> max_preemptions = std::nullopt);

  bool begin_execution(uint64_t index) override;
  ThreadId pick(const ChoicePoint& point) override;
  uint64_t pick_value(uint64_t bound) override;
  std::string name() const override { return "dfs"; }
  bool repeats_earlier(uint64_t preemptions) const override {
    return bounded_ && preemptions < bound_;
  }
  /// The bound of the round now running.
  uint32_t bound() const { return bound_; }

 private:
  struct Node {
    std::vector<uint64_t> options;  // threads (or values) in the order they are tried
    uint32_t next = 0;
  };
  uint64_t choose(std::vector<uint64_t> options);
  bool advance();

  bool bounded_;
  uint32_t max_bound_;
  uint32_t bound_ = 0;
  bool limited_by_bound_ = false;  // this round skipped some choice for the bound
  std::vector<Node> nodes_;        // one per real choice of the current execution
  std::size_t depth_ = 0;
  uint32_t preemptions_ = 0;
  ThreadId last_visible_ = kNoThread;  // the thread that ran the last visible step
};

}  // namespace interleave
