// Follows a recorded schedule and random values exactly; the execution rejects a pick that does
// not fit, and kNoThread past the end says the schedule ran out.
#pragma once

#include <utility>
#include <vector>

#include "sim/strategy.hpp"

namespace interleave {

class ReplayStrategy final : public Strategy {
 public:
  /// `runs_on`: past the schedule's end, the thread that reached the point goes on (or the
  /// first that can): a trace saved when a thread overflowed its stack ends before the step in
  /// which it did.
  ReplayStrategy(std::vector<ThreadId> schedule, std::vector<uint64_t> random, bool runs_on = false)
      : schedule_(std::move(schedule)), random_(std::move(random)), runs_on_(runs_on) {}
  bool begin_execution(uint64_t index) override { return index == 0; }
  ThreadId pick(const ChoicePoint& point) override {
    if (point.step < schedule_.size()) return schedule_[point.step];
    if (!runs_on_) return kNoThread;
    for (const ThreadId t : point.enabled) {
      if (t == point.current) return t;
    }
    return point.enabled.front();
  }
  uint64_t pick_value(const ValuePoint& point) override { return next_value(point.bound); }
  /// The next recorded value, if it is below `bound`.
  uint64_t next_value(uint64_t bound) {
    if (next_value_ >= random_.size()) {
      values_diverged_ = true;
      return 0;
    }
    const uint64_t v = random_[next_value_++];
    if (v >= bound) {
      values_diverged_ = true;
      return 0;
    }
    return v;
  }
  std::string name() const override { return "replay"; }
  /// The model asked for more random values than recorded, or for a smaller range.
  bool values_diverged() const { return values_diverged_; }
  /// Steps of the schedule the run did not use.
  uint64_t unused_steps(uint64_t steps_run) const {
    return steps_run < schedule_.size() ? schedule_.size() - steps_run : 0;
  }

 private:
  std::vector<ThreadId> schedule_;
  std::vector<uint64_t> random_;
  bool runs_on_ = false;
  size_t next_value_ = 0;
  bool values_diverged_ = false;
};

/// Follows a timed run's decisions: at the step of each recorded decision, the thread it chose.
/// The executor asks only where the policy leaves a choice, so every ask must match one.
class TimedReplayStrategy final : public Strategy {
 public:
  TimedReplayStrategy(std::vector<uint64_t> steps, std::vector<ThreadId> threads,
                      std::vector<uint64_t> random)
      : steps_(std::move(steps)), threads_(std::move(threads)), values_({}, std::move(random)) {}
  bool begin_execution(uint64_t index) override { return index == 0; }
  ThreadId pick(const ChoicePoint& point) override {
    if (next_ < steps_.size() && steps_[next_] == point.step) return threads_[next_++];
    return kNoThread;  // a decision the trace does not have: it does not fit this run
  }
  uint64_t pick_value(const ValuePoint& point) override { return values_.next_value(point.bound); }
  std::string name() const override { return "replay"; }
  bool values_diverged() const { return values_.values_diverged(); }

 private:
  std::vector<uint64_t> steps_;
  std::vector<ThreadId> threads_;
  ReplayStrategy values_;  // the random values, handed out in order
  std::size_t next_ = 0;
};

}  // namespace interleave
