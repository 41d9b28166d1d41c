// The checker: every judgement made from the event stream, behind one Monitor.
#pragma once

#include <vector>

#include "checker/lock_order.hpp"
#include "checker/race_detector.hpp"
#include "sim/event.hpp"
#include "sim/finding.hpp"

namespace interleave {

/// Which judgements a Checker makes.
struct CheckerOptions {
  bool races = true;       ///< data_race findings (happens-before race detector)
  bool lock_order = true;  ///< lock_order findings (cycles in the lock-acquisition graph)
  /// Race findings with clocks, both accesses and the failed check they explain. Off: message and
  /// signature only, for a cheaper search whose failing schedule is replayed with it on.
  bool explain = true;
};

/// Runs the race detector and the lock-order checker on one event stream. Invariant violations
/// and deadlocks are found by the simulator itself and are not repeated here.
class Checker final : public Monitor {
 public:
  explicit Checker(CheckerOptions options = {}) : options_(options), races_(options.explain) {}

  void begin_run() override;
  /// Appends the race findings, then the lock-order findings, of the run.
  void end_run(std::vector<Finding>& findings) override;
  void on_thread(ThreadId thread, const char* name, ThreadId parent, ObjectId loop) override;
  void on_event(const Event& event) override;
  /// Only failed checks matter to a judge.
  bool wants_passing_checks() const override { return false; }
  /// Rewinds a lean checker (explain off): the race detector undoes what it did since, and the
  /// lock-order checker, when it heard a call since, hears the calls before it again.
  bool rewind(uint64_t calls) override;
  void begin_rewindable_run() override;

  const CheckerOptions& options() const { return options_; }
  /// The race detector, e.g. to look at a thread's clock.
  const RaceDetector& races() const { return races_; }

 private:
  /// A call the lock-order checker heard, kept to be heard again after a rewind.
  struct HeardCall {
    uint64_t number = 0;  // the call's number in the run
    bool starts_thread = false;
    // on_event's event; on_thread's arguments as thread, name, object (the loop) and parent.
    Event event;
    ThreadId parent = kNoThread;
  };

  void begin(bool rewindable);

  CheckerOptions options_;
  RaceDetector races_;
  LockOrderChecker lock_order_;
  uint64_t calls_ = 0;                 // calls heard in this run
  std::vector<HeardCall> lock_calls_;  // those the lock-order checker heard, in order
  bool rewindable_ = false;            // begun for a search: lock_calls_ are kept
};

}  // namespace interleave
