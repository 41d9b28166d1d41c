// Shared output: timelines, findings, JSON fragments, and the capturing re-run.
#include "cli/report.hpp"

#include "cli/commands.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <ostream>

#include "checker/checker.hpp"
#include "sim/input_error.hpp"
#include "sim/replay_strategy.hpp"

namespace interleave::cli {
namespace {

std::string& program_name() {
  static std::string name = "interleave";
  return name;
}

}  // namespace

CapturedRun capture(const ModelInfo& model, const ParamValues& params,
                    std::vector<ThreadId> schedule, std::vector<uint64_t> random,
                    const ExecutionConfig& config, bool runs_on) {
  const ModelRunners runners = model.bind(params);
  ReplayStrategy replay(std::move(schedule), std::move(random), runs_on);
  EventRecorder recorder;
  Checker checker(CheckerOptions{.races = true, .lock_order = true, .explain = true});
  MonitorFanout both({&recorder, &checker});
  CapturedRun out;
  RunRecord record;
  out.result = run_once(runners.sim, replay, &both, config, &record);
  out.schedule = std::move(record.schedule);
  out.events = recorder.events();
  out.threads = recorder.threads();
  return out;
}

TraceModel trace_model(const std::string& path, const Trace& trace) {
  try {
    const ModelInfo& model = find_model(trace.model);
    return TraceModel{&model, params_from_trace(model, trace.variant, trace.params)};
  } catch (const InputError& e) {
    std::string why = e.what();
    if (find_model_or_null(trace.model) == nullptr && !trace.program.empty() &&
        trace.program != program()) {
      why += "; the trace was saved by " + shell_quote(trace.program) + ", which has it";
    }
    throw InputError("trace " + path + ": " + why);
  }
}

CapturedRun replay_captured(const std::string& path, const Trace& trace, const TraceModel& m) {
  ExecutionConfig config;
  config.step_limit = std::max<uint64_t>(config.step_limit, trace.schedule.size() + 1);
  if (trace.max_steps) {
    config.step_limit = *trace.max_steps;
  } else if (trace.verdict && trace.verdict->kind == FindingKind::kStepLimit) {
    // Saved where the run hit its --max-steps: the replay stops there too (its schedule ends
    // with threads still running).
    config.step_limit = trace.verdict->step;
  }
  CapturedRun run =
      capture(*m.model, m.params, trace.schedule, trace.random, config, trace.overflowed);
  if (run.result.status == RunStatus::kAbandoned) {
    throw InputError("trace " + path + ": " + run.result.abandon_reason);
  }
  return run;
}

void check_schedule_followed(const std::string& path, const Trace& trace, const CapturedRun& run) {
  if (run.schedule.size() >= trace.schedule.size()) return;
  // Steps left over once the run ended: they name threads that can no longer run.
  const char* why = "every thread finished";
  switch (run.result.status) {
    case RunStatus::kDeadlock:
      why = "no thread could run";
      break;
    case RunStatus::kStepLimit:
      why = "it reached its step limit";
      break;
    case RunStatus::kBlocked:
      why = "an assume failed";
      break;
    default:
      break;
  }
  throw InputError("trace " + path + ": the run ended after " +
                   std::to_string(run.schedule.size()) + " steps (" + why +
                   ") but the schedule goes on to step " +
                   std::to_string(trace.schedule.size() - 1));
}

nlohmann::ordered_json number_json(double v) {
  if (std::floor(v) == v && std::fabs(v) < 9e15) return static_cast<int64_t>(v);
  return v;
}

nlohmann::ordered_json params_json(const ParamValues& params) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [name, value] : params.values) j[name] = number_json(value);
  return j;
}

nlohmann::ordered_json finding_json(const Finding& f) {
  return {{"kind", kind_name(f.kind)}, {"message", f.message}, {"steps", f.step}};
}

nlohmann::ordered_json run_bugs_json(const std::vector<Finding>& findings,
                                     std::optional<uint64_t> preemptions) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Finding& f : findings) {
    nlohmann::ordered_json b = finding_json(f);
    b["count"] = 1;
    b["execution"] = 1;
    b["preemptions"] = preemptions ? nlohmann::ordered_json(*preemptions) : nullptr;
    list.push_back(std::move(b));
  }
  return list;
}

void print_timeline(std::ostream& out, const std::vector<RecordedEvent>& events,
                    const std::vector<std::string>& threads, std::size_t from) {
  char line[512];
  std::snprintf(line, sizeof line, "%6s  %-10s %-10s %-20s %9s  %s\n", "step", "thread", "op",
                "object", "value", "location");
  out << line;
  for (std::size_t i = from; i < events.size(); ++i) {
    const RecordedEvent& e = events[i];
    const std::string thread =
        e.thread < threads.size() ? threads[e.thread] : "#" + std::to_string(e.thread);
    std::string object = e.object;
    if (e.order != std::memory_order_seq_cst) {
      object += " (" + std::string(order_name(e.order)) + ")";
    }
    std::string value = std::to_string(e.value);
    switch (e.op) {
      case Op::kSpawn:
      case Op::kJoin:
        value = static_cast<uint64_t>(e.value) < threads.size() ? threads[e.value] : value;
        break;
      case Op::kCheck:
        value = e.value != 0 ? "held" : "FAILED";
        break;
      case Op::kNotifyOne:
        value = e.value > 0 ? "wakes one" : "wakes none";  // none, or all have one coming
        break;
      case Op::kNotifyAll:
        value = "wakes " + std::to_string(e.value);
        break;
      case Op::kWake:
        value = "by step " + std::to_string(e.value);  // the notify that woke it
        break;
      case Op::kLock:
      case Op::kUnlock:
      case Op::kTryLockFail:
      case Op::kWait:
      case Op::kYield:
      case Op::kAwait:
      case Op::kFinish:
        value = "";
        break;
      case Op::kSleep: {
        char secs[32];
        std::snprintf(secs, sizeof secs, "%gs", static_cast<double>(e.value) / 1e9);
        value = secs;
        break;
      }
      default:
        break;
    }
    std::snprintf(line, sizeof line, "%6llu  %-10s %-10s %-20s %9s  %s\n",
                  static_cast<unsigned long long>(e.step), thread.c_str(),
                  std::string(op_name(e.op)).c_str(), object.c_str(), value.c_str(), e.loc.c_str());
    out << line;
  }
}

void print_finding(std::ostream& out, const Finding& f) {
  // "DATA RACE on values[1]: ..." reads better than "DATA RACE: on values[1]: ...".
  const bool on = f.message.rfind("on ", 0) == 0;
  out << "interleave: " << kind_headline(f.kind) << (on ? " " : ": ") << f.message << '\n';
  for (const std::string& d : f.details) out << "  " << d << '\n';
}

const std::string& program() {
  return program_name();
}

void set_program(std::string name) {
  program_name() = std::move(name);
}

void check_writable(const std::string& option, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw InputError(option + " " + path + ": is a directory");
  const fs::path dir = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : ".";
  if (!fs::is_directory(dir, ec)) {
    throw InputError(option + " " + path + ": no directory " + dir.string());
  }
  if (::access(dir.c_str(), W_OK) != 0 ||
      (fs::exists(path, ec) && ::access(path.c_str(), W_OK) != 0)) {
    throw InputError(option + " " + path + ": not writable");
  }
}

std::string count_of(uint64_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789_-./=:,") == std::string::npos) {
    return s;
  }
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace interleave::cli
