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
  bool repeats_prefixes() const override { return true; }
  /// A step only one thread can take is no choice: the execution takes it without asking.
  bool asks_when_alone() const override { return false; }
  ThreadId pick(const ChoicePoint& point) override;
  uint64_t pick_value(const ValuePoint& point) override;
  std::string name() const override { return "dfs"; }
  bool branches_at(uint64_t step) const override {
    // pick() has just made a thread node there: it tries its other options later
    return !nodes_.empty() && !nodes_.back().value && nodes_.back().step == step &&
           path_.size() == step + 1;
  }
  bool repeats_earlier(uint64_t preemptions) const override {
    return bounded_ && preemptions < bound_;
  }
  /// The bound of the round now running.
  uint32_t bound() const { return bound_; }

  // ---- a search split between threads (split_search.hpp; DporSearch documents the calls) ----
  // A part explores the subtree of one untried option of a node of its giver's current path,
  // within the giver's round: it never backtracks above that option, nor starts another round.
  // Subtrees of dfs are independent, so a part always fits: splicing one in only passes up
  // whether the bound cut something off in it.
  enum class Next : uint8_t { kJob, kDone, kDue };
  /// Prepares the next execution (in the order begin_execution gives them), or says that the
  /// next option is one given away (due() names it) or that everything has been explored.
  Next next();
  bool can_give() const;
  bool give(uint64_t number, DfsStrategy& part);
  uint64_t due() const { return due_; }
  static bool fits(const DfsStrategy&) { return true; }
  /// Never called: every part fits.
  [[noreturn]] static void take_back();
  void splice(const DfsStrategy& part);
  static bool splice_races(const DfsStrategy&, std::size_t&, std::size_t) { return true; }
  static bool has_spoiled() { return false; }
  static std::vector<uint64_t> take_spoiled() { return {}; }

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
    uint32_t given_end = 0;  // options in (next, given_end) were given to parts
  };
  /// The option a node tries now.
  uint64_t option(const Node& n) const {
    return n.value ? n.next : to_index(options_[n.first + n.next]);
  }
  enum class Advance : uint8_t { kResume, kExhausted, kDue };
  /// Moves to the next option of the deepest node that has one.
  Advance advance();
  /// Sets up the execution that takes the option nodes_.back() is now at.
  void resume();
  void restart();
  /// After a round is exhausted: starts the next one if there is one to run.
  bool next_round();
  /// Appends the steps taken since the last pick() (those the execution took without asking)
  /// to path_, and takes the last visible thread as the execution saw it.
  void catch_up(std::span<const ThreadId> schedule, ThreadId last_visible);
  /// The shallowest node with an option to give (false if none).
  bool givable(std::size_t& k) const;

  bool bounded_;
  uint32_t max_bound_;
  uint32_t bound_ = 0;
  bool limited_by_bound_ = false;  // this round skipped some choice for the bound
  std::vector<Node> nodes_;        // one per real choice of the current execution
  std::vector<ThreadId> options_;  // the thread nodes' options, node after node (a stack)
  // invariant: path_[s] is the thread that runs step s, for every step decided so far (steps
  // taken without asking join it at the next pick: catch_up).
  std::vector<ThreadId> path_;
  std::size_t forced_ = 0;        // path_[0, forced_) is this execution's forced prefix
  std::size_t value_cursor_ = 0;  // value nodes before it have been replayed this execution
  uint32_t preemptions_ = 0;
  ThreadId last_visible_ = kNoThread;  // the thread that ran the last visible step
  // Splitting: nodes below floor_ are the giver's (a part's root is nodes_[floor_ - 1]); 0 for
  // the search of the whole tree.
  std::size_t floor_ = 0;
  struct Given {
    std::size_t node = 0;
    uint64_t option = 0;
    uint64_t number = 0;
  };
  std::vector<Given> given_;  // options given away, not yet due
  bool started_ = false;      // next() has prepared a first execution
  bool due_pending_ = false;  // next() said kDue and the option is not spliced yet
  uint64_t due_ = 0;
};

}  // namespace interleave
