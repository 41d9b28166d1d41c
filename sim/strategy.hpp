// The strategy interface: the only place where a run's nondeterminism is decided.
// Ground rules: the mechanism (Execution) computes what may run and asks; the strategy answers.
// Search state (seeds, backtrack sets, priorities) lives in the strategy, never in the execution.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "sim/ids.hpp"
#include "sim/pending.hpp"

namespace interleave {

/// What pick() returns to cut a run short as redundant: not a bug, not counted.
inline constexpr ThreadId kPruneRun{0xfffffffdu};

/// What a strategy sees at a scheduling point.
struct ChoicePoint {
  uint64_t step = 0;                   // index of the operation about to run
  std::span<const ThreadId> enabled;   // never empty, ascending
  ThreadId current = kNoThread;        // the thread that reached this point
  bool current_yielding = false;       // it yields, sleeps or awaits (switching is no preemption)
  std::span<const PendingOp> pending;  // every thread's next operation, indexed by thread
  /// What each earlier step actually did (kCasFail for a failed compare_exchange, ...), when
  /// the strategy asked for outcomes; empty otherwise.
  std::span<const Op> outcomes;
  /// The thread that ran each earlier step (`step` of them), whether pick() chose it or not
  /// (untimed runs; empty in timed runs).
  std::span<const ThreadId> schedule;
  /// The thread that ran the last visible step (one that is not invisible), or kNoThread
  /// (always in timed runs).
  ThreadId last_visible = kNoThread;
};

/// What a strategy sees when the model asks for a random value.
struct ValuePoint {
  uint64_t bound = 1;                  // the value is in [0, bound), bound >= 1
  uint64_t step = 0;                   // steps taken before it was asked for
  std::span<const ThreadId> schedule;  // the thread that ran each of them (untimed runs)
  ThreadId last_visible = kNoThread;   // as in ChoicePoint
};

/// How one execution ended, as far as the strategy cares.
struct ExecutionSummary {
  uint64_t steps = 0;
  bool blocked = false;  // ended by a false assume
  bool buggy = false;
  bool deadlocked = false;
  bool pruned = false;           // cut short by the strategy itself (kPruneRun)
  std::span<const Op> outcomes;  // every step's outcome, when the strategy asked for them
  // Each thread's announced operation at the end: kFinish once it finished; for the others the
  // step they were waiting to take (or, for the thread a false assume stopped, the last it took).
  std::span<const PendingOp> pending;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  /// Prepares execution number `index` (0-based). False: the strategy has nothing left to run.
  virtual bool begin_execution(uint64_t index) = 0;
  /// Picks the thread that runs the next operation; it must be one of `point.enabled`.
  /// Returning kNoThread abandons the run (a replay that ran out of schedule); kPruneRun ends it
  /// as redundant (a search that knows every continuation is covered elsewhere).
  virtual ThreadId pick(const ChoicePoint& point) = 0;
  /// A value in [0, point.bound) for the model.
  virtual uint64_t pick_value(const ValuePoint& point) = 0;
  virtual void end_execution(const ExecutionSummary& /*summary*/) {}
  /// Short name for reports and traces ("random", "rr", ...).
  virtual std::string name() const = 0;
  /// Threads the execution just begun must run at its first steps, in order: the execution
  /// follows them without asking pick() (a search replaying the prefix its next branch shares
  /// with the last execution). Read after begin_execution(); the span stays valid for the run. A
  /// forced thread that is not enabled abandons the run, as a bad pick() does.
  virtual std::span<const ThreadId> forced_prefix() const { return {}; }
  /// Whether its runs begin by repeating the runs before them (planned_prefix()): the runner then
  /// keeps a monitor ready to be rewound into each run (Monitor::rewind), which costs a little
  /// per call.
  virtual bool repeats_prefixes() const { return false; }
  /// Threads the execution just begun will run at its first steps, in order, whether the
  /// execution is forced to follow them or pick() chooses them: where they repeat the last run's
  /// schedule, a rewindable monitor skips them (repeats_prefixes()). Read after
  /// begin_execution(); the span stays valid for the run.
  virtual std::span<const ThreadId> planned_prefix() const { return forced_prefix(); }
  /// Whether pick() and end_execution() need each step's outcome (DPOR does; a small cost).
  virtual bool wants_outcomes() const { return false; }
  /// Whether pick() is asked at a step where only one thread can run. False: the execution runs
  /// that thread without asking, and the strategy learns of such steps from the schedule and
  /// last visible thread it is shown next (ChoicePoint, ValuePoint). Read at each run's start.
  virtual bool asks_when_alone() const { return true; }
  /// Whether a finished run with this many preemptions was already explored by an earlier round
  /// (iterative bounding repeats them): the runner then neither counts it nor reports its bugs.
  virtual bool repeats_earlier(uint64_t /*preemptions*/) const { return false; }
  /// After end_execution(): whether every later execution would repeat the one just ended
  /// exactly (round-robin once no quantum cuts a thread short). The search then ends, though it
  /// has not covered every interleaving.
  virtual bool covers_the_rest() const { return false; }
  /// Right after pick() decided step `step`: whether a later execution will take another option
  /// there, with this one's steps before it as its forced prefix. An execution that may keep
  /// states (ExecutionConfig::resumable) keeps the one before that step, and resumes such a
  /// later execution from it instead of re-running its prefix.
  virtual bool branches_at(uint64_t /*step*/) const { return false; }
};

}  // namespace interleave
