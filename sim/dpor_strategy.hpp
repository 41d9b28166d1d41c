// Dynamic partial-order reduction: source-DPOR with sleep sets (Abdulla, Aronis, Jonsson,
// Sagonas 2014), stateless: every execution re-runs from the start along a chosen prefix.
// Ground rules:
//  - one Node per step of the current execution; its backtrack, done and sleep sets persist
//    while its prefix is being explored;
//  - after each execution, every race (two dependent steps of different threads with no other
//    happens-before path between them) adds to the earlier step's node a thread that starts the
//    reversed order, unless one already does;
//  - sleep sets never let two explored complete executions be equivalent; an execution whose
//    every enabled thread sleeps is cut short (pruned) and not counted;
//  - random values a model asks for are enumerated exhaustively, depth first.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/dependence.hpp"
#include "sim/strategy.hpp"

namespace interleave {

class DporStrategy final : public Strategy {
 public:
  bool begin_execution(uint64_t index) override;
  ThreadId pick(const ChoicePoint& point) override;
  uint64_t pick_value(uint64_t bound) override;
  void end_execution(const ExecutionSummary& summary) override;
  std::string name() const override { return "dpor"; }
  bool wants_outcomes() const override { return true; }

 private:
  struct Sleeper {
    ThreadId thread;
    StepEvent event;  // what it would do here (and did, in the branch that put it to sleep)
  };
  struct Node {
    std::vector<ThreadId> enabled;    // ascending
    std::vector<ThreadId> backtrack;  // threads to explore from here (chosen ones included)
    std::vector<Sleeper> done;        // explored from here, with the step each took
    std::vector<Sleeper> sleep;       // inherited: covered by earlier branches
    ThreadId chosen{};
    uint32_t values_before = 0;  // value decisions made before this step
  };
  struct ValueNode {
    uint64_t bound = 0;
    uint64_t chosen = 0;
    uint32_t nodes_before = 0;  // thread nodes that existed when it was asked for
  };

  void start_step(const ChoicePoint& point);
  StepEvent make_step(ThreadId thread, const PendingOp& op, Op outcome) const;
  void analyse_races();
  void add_backtrack(std::size_t i, std::size_t j, const std::vector<uint32_t>& clocks);
  bool in(const std::vector<ThreadId>& set, ThreadId t) const;
  bool sleeping(const Node& n, ThreadId t) const;

  std::vector<Node> nodes_;
  std::vector<ValueNode> values_;
  std::vector<StepEvent> steps_;       // the current execution
  std::vector<ObjectId> thread_loop_;  // each thread's event loop, kNoObject if none
  std::vector<uint8_t> resuming_;      // per thread: its next step resumes its loop task
  uint32_t value_cursor_ = 0;
  uint32_t threads_ = 1;
  bool started_ = false;
};

}  // namespace interleave
