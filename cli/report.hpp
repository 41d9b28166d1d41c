// Output shared by the commands: JSON pieces, timelines, finding reports, captured re-runs.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/registry.hpp"
#include "sim/runner.hpp"
#include "sim/trace.hpp"

namespace interleave::cli {

/// A run replayed once with every event captured (principle 5: rich when explaining).
struct CapturedRun {
  RunResult result;
  std::vector<RecordedEvent> events;
  std::vector<std::string> threads;
  std::vector<ThreadId> schedule;  // the steps the run actually took
};

/// Replays `schedule` once, recording and explaining everything; `runs_on`: past the schedule's
/// end, the running thread goes on (a trace saved at a stack overflow).
CapturedRun capture(const ModelInfo& model, const ParamValues& params,
                    std::vector<ThreadId> schedule, std::vector<uint64_t> random,
                    const ExecutionConfig& config, bool runs_on = false);

/// The model a trace names and its params; an InputError names the trace file.
struct TraceModel {
  const ModelInfo* model = nullptr;
  ParamValues params;
};
TraceModel trace_model(const std::string& path, const Trace& trace);
/// Follows an untimed trace's schedule with every event captured; a schedule that cannot be
/// followed is an InputError naming the trace file.
CapturedRun replay_captured(const std::string& path, const Trace& trace, const TraceModel& m);
/// An input error if the trace's schedule goes on after the run ended (its steps name threads
/// that can no longer run).
void check_schedule_followed(const std::string& path, const Trace& trace, const CapturedRun& run);

/// A number as JSON: an integer when it is a whole one (3, not 3.0).
nlohmann::ordered_json number_json(double v);
nlohmann::ordered_json params_json(const ParamValues& params);
nlohmann::ordered_json finding_json(const Finding& f);
/// The `bugs` list of a single run (replay, simulate): each finding once, in execution 1.
nlohmann::ordered_json run_bugs_json(const std::vector<Finding>& findings,
                                     std::optional<uint64_t> preemptions = std::nullopt);

/// One row per event: step, thread, operation, object, value, file:line. `from` skips early rows.
void print_timeline(std::ostream& out, const std::vector<RecordedEvent>& events,
                    const std::vector<std::string>& threads, std::size_t from = 0);

/// "interleave: INVARIANT VIOLATED: ..." followed by the finding's detail lines.
void print_finding(std::ostream& out, const Finding& f);

std::string shell_quote(const std::string& s);

/// Fails now, in one line naming `option`, if `path` could not be written later (a directory
/// that does not exist, a directory in its place, no permission): before a long run, not after.
void check_writable(const std::string& option, const std::string& path);

/// "1 preemption", "2 preemptions": `n` and `noun`, plural unless n is 1.
std::string count_of(uint64_t n, const std::string& noun);

}  // namespace interleave::cli
