// Depth-first search over every interleaving of the steps that touch shared objects, optionally
// preemption-bounded. Steps that touch nothing shared (sleep, yield, spawn, join) commute with
// everything, so they run as soon as they can and are never a choice of their own.
// With a bound K the search runs bound 0, 1, ..., K in turn (iterative context bounding), so the
// first bug found is one with the fewest preemptions; runs an earlier round already covered are
// repeated but not counted again.
// Each execution shares its prefix with the one before, up to the deepest choice with an option
// left: that prefix is handed to the execution as forced steps (no pick() per step), so a step
// costs a decision only where the tree grows.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/strategy.hpp"

namespace interleave {

class DfsStrategy final : public Strategy {
 public:
  /// `max_preemptions`: none for no bound; `raise_until_bug` keeps raising the bound without end.
  explicit DfsStrategy(std::optional<uint32_t> max_preemptions = std::nullopt);

  bool begin_execution(uint64_t index) override;
  std::span<const ThreadId> forced_prefix() const override {
    return std::span<const ThreadId>(path_.data(), forced_);
  }
  ThreadId pick(const ChoicePoint& point) override;
  uint64_t pick_value(uint64_t bound) override;
  std::string name() const override { return "dfs"; }
  bool repeats_earlier(uint64_t preemptions) const override {
    return bounded_ && preemptions < bound_;
  }
  /// The bound of the round now running.
  uint32_t bound() const { return bound_; }

 private:
  /// A real choice of the current execution: between threads at a step, or between the values
  /// of a random() the model asked for.
  struct Node {
    // Threads: options_[first, first + count) in the order they are tried. Values: 0 .. count-1.
    uint64_t count = 0;
    uint32_t first = 0;
    uint32_t next = 0;
    bool value = false;  // a random value, not a thread
    // The search's state just before this choice, to resume from it without replaying.
    bool can_continue = false;  // thread nodes: the last visible thread could have gone on
    uint64_t step = 0;          // the step it decides (values: steps taken before it was asked)
    uint32_t preemptions = 0;
    ThreadId last_visible = kNoThread;
  };
  /// The option a node tries now.
  uint64_t option(const Node& n) const {
    return n.value ? n.next : to_index(options_[n.first + n.next]);
  }
  bool advance();
  void restart();

  bool bounded_;
  uint32_t max_bound_;
  uint32_t bound_ = 0;
  bool limited_by_bound_ = false;  // this round skipped some choice for the bound
  std::vector<Node> nodes_;        // one per real choice of the current execution
  std::vector<ThreadId> options_;  // the thread nodes' options, node after node (a stack)
  // invariant: path_[s] is the thread that runs step s, for every step decided so far.
  std::vector<ThreadId> path_;
  std::size_t forced_ = 0;        // path_[0, forced_) is this execution's forced prefix
  std::size_t value_cursor_ = 0;  // value nodes before it have been replayed this execution
  uint32_t preemptions_ = 0;
  ThreadId last_visible_ = kNoThread;  // the thread that ran the last visible step
};

}  // namespace interleave
