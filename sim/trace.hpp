// Trace files (format "interleave-trace", version 1): what a run did, enough to replay it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/event.hpp"
#include "sim/finding.hpp"
#include "sim/ids.hpp"
#include "sim/timing.hpp"

namespace interleave {

inline constexpr int kTraceVersion = 1;

/// An event as a trace stores it: names resolved to text, so it outlives the run.
struct RecordedEvent {
  uint64_t step = 0;
  uint32_t thread = 0;
  Op op = Op::kLoad;
  std::string object;  // "values[1]", a check message, a note label; empty if none
  int64_t value = 0;
  std::string loc;  // "file:line", empty if none
  std::string aux;  // the mutex of a wait or wake, empty otherwise
  std::memory_order order = std::memory_order_seq_cst;  // an atomic operation's

  bool operator==(const RecordedEvent&) const = default;
};

struct Verdict {
  FindingKind kind = FindingKind::kInvariant;
  std::string message;
  uint64_t step = 0;
};

struct Trace {
  // The program that saved it ("interleave", or one of one's own that adds models to the
  // command line); empty in traces from before it was recorded.
  std::string program;
  std::string model;
  std::string variant;
  std::vector<std::pair<std::string, double>> params;  // in registry order
  std::string mode = "untimed";
  std::string strategy;  // the strategy that found it
  uint64_t seed = 0;
  uint64_t execution = 0;            // 1-based execution number within that search
  std::vector<std::string> threads;  // thread names by id
  // The step limit of the run (explore --max-steps), when it ran into it: a replay stops there.
  std::optional<uint64_t> max_steps;
  // The run's preemptions, as its search counted them (absent in traces from before they were
  // recorded): replay --check, which runs no model, reports them from here.
  std::optional<uint64_t> preemptions;
  // Saved when a model thread overflowed its stack (save_overflowing_runs): no events or verdict,
  // and the schedule ends before the step in which it did; a replay runs on past its end.
  bool overflowed = false;
  std::vector<ThreadId> schedule;
  std::vector<uint64_t> random;
  std::vector<RecordedEvent> events;
  std::optional<Verdict> verdict;
  // Timed runs ("mode":"timed"): the timing, the step of each schedule entry (only real
  // decisions are recorded), and the notes with their virtual times.
  std::optional<TimingConfig> timing;
  std::vector<uint64_t> decision_steps;
  struct Note {
    std::string label;
    int64_t value = 0;
    int64_t time_ns = 0;
    bool operator==(const Note&) const = default;
  };
  std::vector<Note> notes;
};

/// Reads and validates a trace; throws InputError with a one-line reason on anything wrong.
Trace read_trace(const std::string& path);
/// Writes a trace; throws InputError if the file cannot be written.
void write_trace(const std::string& path, const Trace& trace);
/// The JSON of `trace`'s fields before its schedule, as one object without its closing brace:
/// what a stack overflow's handler completes with the run's schedule (save_overflowing_runs).
std::string trace_head_json(const Trace& trace);

/// Captures a run's events with text names: for traces, timelines and offline checking.
class EventRecorder final : public Monitor {
 public:
  void begin_run() override;
  void end_run(std::vector<Finding>& /*findings*/) override {}
  void on_thread(ThreadId thread, const char* name, ThreadId /*parent*/,
                 ObjectId /*loop*/) override;
  void on_event(const Event& event) override;

  const std::vector<RecordedEvent>& events() const { return events_; }
  const std::vector<std::string>& threads() const { return threads_; }

 private:
  std::vector<RecordedEvent> events_;
  std::vector<std::string> threads_;
  std::vector<std::string> labels_;  // object labels by id, as events revealed them
};

/// Forwards every call to several monitors, in order.
class MonitorFanout final : public Monitor {
 public:
  explicit MonitorFanout(std::vector<Monitor*> monitors) : monitors_(std::move(monitors)) {}
  void begin_run() override {
    for (Monitor* m : monitors_) m->begin_run();
  }
  void end_run(std::vector<Finding>& findings) override {
    for (Monitor* m : monitors_) m->end_run(findings);
  }
  void on_thread(ThreadId t, const char* name, ThreadId parent, ObjectId loop) override {
    for (Monitor* m : monitors_) m->on_thread(t, name, parent, loop);
  }
  void on_event(const Event& event) override {
    for (Monitor* m : monitors_) m->on_event(event);
  }
  bool wants_passing_checks() const override {
    for (const Monitor* m : monitors_) {
      if (m->wants_passing_checks()) return true;
    }
    return false;
  }

 private:
  std::vector<Monitor*> monitors_;
};

}  // namespace interleave
