// Optimal dynamic partial-order reduction with wakeup trees (Abdulla, Aronis, Jonsson, Sagonas
// 2014), split into a search and the runs it asks for, so that runs can go to worker threads.
// Ground rules:
//  - the search (DporSearch) owns the exploration tree: one Node per step of the current
//    execution, each with the branches already explored from it (its sleep set) and a wakeup
//    tree of branches still to explore. It hands out one DporJob per execution, always the
//    leftmost pending branch, and takes the outcome back (integrate), in that order only;
//  - a job is fixed once its branch exists: the steps to force and which threads sleep at each.
//    New branches are only ever appended after existing ones and a pending leaf never grows, so
//    a job built ahead is the job the search gives later, except that a sleeping branch that
//    had not run yet may then hold its step as it ran rather than as its wakeup tree said; a
//    parallel search compares the two before it uses a result run ahead;
//  - a run (DporRun) follows its job, continues with any awake thread (the running one first),
//    and afterwards finds the races of its execution. Each race e < e' yields the sequence v =
//    (what does not happen after e) then e'; unless a sleeping thread is a weak initial of v, v
//    goes into the wakeup tree of e's node. The search inserts it unless an existing branch
//    already covers it, so no two explored executions are equivalent;
//  - random values a model asks for are enumerated exhaustively, depth first.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "sim/dependence.hpp"
#include "sim/strategy.hpp"

namespace interleave {

/// A thread covered by an explored branch, with the step it takes (or took) there.
struct Sleeper {
  ThreadId thread{};
  StepEvent event;
};

/// One execution to run: the steps it must take first, then whatever is awake. Flat buffers: a
/// job is built by the search and read by another thread, so it is a few blocks, not one per
/// step.
struct DporJob {
  std::vector<ThreadId> path;  // forced threads for the first path.size() steps
  // The branches explored before at each forced step s: asleep[asleep_end[s-1], asleep_end[s])
  // (from 0 for s = 0). invariant: asleep_end.size() == path.size().
  std::vector<Sleeper> asleep;
  std::vector<uint32_t> asleep_end;
  std::vector<uint64_t> values;  // random values to replay; later ones are 0
  uint64_t leaf = 0;             // the wakeup-tree leaf it explores (0: none)
  // The forced steps before it were taken in this order by an execution already explored, so
  // their events are known; those from it on come from a wakeup tree and may turn out otherwise
  // (a compare_exchange that fails here).
  uint32_t fresh_from = 0;

  std::span<const Sleeper> asleep_at(std::size_t s) const {
    const uint32_t begin = s == 0 ? 0 : asleep_end[s - 1];
    return std::span<const Sleeper>(asleep.data() + begin, asleep_end[s] - begin);
  }
  void clear() {
    path.clear();
    asleep.clear();
    asleep_end.clear();
    values.clear();
    leaf = 0;
    fresh_from = 0;
  }
  /// Appends a forced step: `thread` runs it, `explored` were explored there before.
  template <class Range>
  void add_step(ThreadId thread, const Range& explored) {
    path.push_back(thread);
    asleep.insert(asleep.end(), explored.begin(), explored.end());
    asleep_end.push_back(static_cast<uint32_t>(asleep.size()));
  }
};

/// A sequence found by a race, to be inserted into the wakeup tree of node `node`: its steps and
/// their order sit in the outcome's flat buffers (reused from run to run).
struct WakeupInsertion {
  uint32_t node = 0;
  uint32_t first = 0;  // its steps: sequence_steps[first, first + size)
  uint32_t size = 0;
  uint32_t before = 0;  // sequence_before[before + a * size + b]: step a happens before step b
};

/// What one run of a job did, as the search needs it.
struct DporOutcome {
  std::vector<StepEvent> steps;  // every step, outcomes final
  struct Value {
    uint64_t bound = 0;
    uint64_t chosen = 0;
    uint32_t steps_before = 0;  // steps taken when the value was asked for
  };
  std::vector<Value> values;
  std::vector<WakeupInsertion> insertions;
  std::vector<StepEvent> sequence_steps;
  std::vector<uint8_t> sequence_before;
  bool pruned = false;    // every enabled thread was asleep: cut short
  bool diverged = false;  // a forced thread was not enabled (a bug in the search)
};

/// Runs one job: decides each step, then analyses the execution's races.
class DporRun {
 public:
  void start(const DporJob& job);
  ThreadId pick(const ChoicePoint& point);
  uint64_t pick_value(uint64_t bound);
  /// Ends the run: final outcomes in, races analysed. `out` is overwritten.
  void finish(std::span<const Op> outcomes, DporOutcome& out);

 private:
  StepEvent make_step(ThreadId thread, const PendingOp& op) const;
  void refresh(std::size_t step, Op outcome);
  void analyse(DporOutcome& out);
  /// The index of a location in last_write_ and reads_since_, which grow to hold it.
  uint32_t track(ObjectId object);
  void add_insertion(std::size_t i, std::size_t j, DporOutcome& out);

  const DporJob* job_ = nullptr;
  std::vector<StepEvent> steps_;
  std::vector<DporOutcome::Value> values_;
  std::vector<Sleeper> sleep_;                  // who sleeps at the step being decided
  std::vector<Sleeper> sleep_next_;             // (a buffer for the next step's)
  std::vector<std::vector<Sleeper>> sleep_at_;  // per step: sleep set plus explored branches
  // The race analysis' buffers, kept from run to run.
  std::vector<uint32_t> clocks_;  // steps x threads happens-before clocks
  // Per location (by object index): the last step that wrote it and the reads since.
  std::vector<int64_t> last_write_;
  std::vector<std::vector<uint32_t>> reads_since_;
  std::vector<uint32_t> special_;    // steps that touch more than plain memory (locks, loops...)
  std::vector<uint32_t> conflicts_;  // a step's conflicting predecessors
  std::vector<std::size_t> sequence_;
  std::vector<uint8_t> before_;
  std::vector<ObjectId> thread_loop_;  // each thread's event loop, kNoObject if none
  std::vector<uint8_t> resuming_;      // per thread: its next step resumes its loop
  uint32_t value_cursor_ = 0;
  uint32_t threads_ = 1;
  bool pruned_ = false;
  bool diverged_ = false;
};

/// The exploration tree and the order in which branches are explored.
class DporSearch {
 public:
  DporSearch();
  /// The next execution in depth-first order; false when everything has been explored.
  bool next_job(DporJob& job);
  /// Takes back the outcome of the job next_job last returned.
  void integrate(const DporJob& job, const DporOutcome& outcome);
  /// Jobs for the next `count` pending leaves in exploration order, leaving out those `known`
  /// says are already taken care of, to run ahead on another thread. Each is the job next_job
  /// will return for that leaf later unless a branch still pending before it runs otherwise
  /// than its wakeup-tree step said (a compare_exchange that fails): the caller compares.
  void upcoming(std::size_t count, const std::function<bool(uint64_t)>& known,
                std::vector<DporJob>& jobs) const;

 private:
  struct WakeupNode {
    StepEvent event;
    std::vector<WakeupNode> children;
    uint64_t id = 0;
  };
  struct Node {
    StepEvent event;              // the step taken by the branch being explored
    std::vector<Sleeper> done;    // branches explored from here
    std::vector<WakeupNode> wut;  // branches still to explore, in order
  };
  struct ValueNode {
    uint64_t bound = 0;
    uint64_t chosen = 0;
    uint32_t nodes_before = 0;
  };
  void insert(std::vector<WakeupNode>& wut, const DporOutcome& outcome, const WakeupInsertion& ins);
  std::vector<uint8_t> alive_;  // insert()'s buffer
  void fill_job(DporJob& job) const;
  uint32_t fresh_from_ = 0;  // fresh_from of the job next_job returned last
  /// A walk over pending leaves for upcoming(): one Level per step below the branching node.
  struct Level {
    ThreadId thread{};                           // the branch taken at this level
    const std::vector<Sleeper>* done = nullptr;  // explored here before it: these,
    const StepEvent* current = nullptr;          // the branch under way,
    std::vector<const WakeupNode*> earlier;      // and the pending branches before it
  };
  struct Walk {
    std::size_t count;  // leaves still to look at
    const std::function<bool(uint64_t)>& known;
    std::vector<DporJob>& jobs;
    std::size_t node;  // the step whose wakeup tree is walked
    std::vector<Level> levels;
  };
  void collect(const std::vector<WakeupNode>& children, Walk& walk) const;
  void add_job(const Walk& walk, uint64_t leaf) const;

  std::vector<Node> nodes_;
  std::vector<ValueNode> values_;
  uint64_t next_id_ = 1;
  uint64_t leaf_ = 0;
  bool first_ = true;
};

/// Whether two steps of different threads must keep their order when sequences are compared:
/// they conflict, or one releases what the other takes.
bool ordered(const StepEvent& a, const StepEvent& b);

}  // namespace interleave
