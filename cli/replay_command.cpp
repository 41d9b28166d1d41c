// interleave replay: follow a saved schedule exactly, print the run, and check it still matches.
#include <cstdio>
#include <iostream>
#include <limits>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "checker/checker.hpp"
#include "cli/commands.hpp"
#include "cli/offline_check.hpp"
#include "cli/report.hpp"
#include "models/registry.hpp"
#include "sim/input_error.hpp"
#include "sim/replay_strategy.hpp"

namespace interleave::cli {
namespace {

std::string describe(const RecordedEvent& e, const std::vector<std::string>& threads) {
  const std::string who = e.thread < threads.size() ? threads[e.thread] : std::to_string(e.thread);
  std::string s = "step " + std::to_string(e.step) + " " + who + " " + std::string(op_name(e.op));
  if (!e.object.empty()) s += " " + e.object;
  if (e.order != std::memory_order_seq_cst) s += " (" + std::string(order_name(e.order)) + ")";
  s += " = " + std::to_string(e.value);
  if (!e.loc.empty()) s += " at " + e.loc;
  return s;
}

/// Who did what to which object with which value. Source lines are not compared: editing a
/// model above a line must not invalidate its traces. Nor are the values of notifies and wakes:
/// the schedule decides who wakes, and traces saved before notify_one could wake any waiter wrote
/// them otherwise (the thread woken, where a notify now says whether it wakes one).
bool same_behaviour(const RecordedEvent& a, const RecordedEvent& b) {
  const bool wakeup = a.op == Op::kNotifyOne || a.op == Op::kNotifyAll || a.op == Op::kWake;
  return a.step == b.step && a.thread == b.thread && a.op == b.op && a.object == b.object &&
         (wakeup || a.value == b.value) && a.aux == b.aux && a.order == b.order;
}

/// The first way the re-run differs from what the trace recorded, if any, at the step where it
/// shows.
std::optional<Finding> compare(const Trace& t, const CapturedRun& run) {
  auto diverged = [](std::string message, uint64_t step) {
    return Finding{FindingKind::kNondeterminism, std::move(message), step, "nondeterminism", {}};
  };
  if (!t.events.empty()) {
    const std::size_t n = std::min(t.events.size(), run.events.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!same_behaviour(t.events[i], run.events[i])) {
        return diverged("event " + std::to_string(i) + " differs: recorded " +
                            describe(t.events[i], t.threads) + ", replayed " +
                            describe(run.events[i], run.threads),
                        std::min(t.events[i].step, run.events[i].step));
      }
    }
    if (t.events.size() != run.events.size()) {
      const RecordedEvent& first_unmatched = t.events.size() > n ? t.events[n] : run.events[n];
      return diverged("the trace recorded " + std::to_string(t.events.size()) +
                          " events, the replay produced " + std::to_string(run.events.size()) +
                          " (the first unmatched: " +
                          describe(first_unmatched, t.events.size() > n ? t.threads : run.threads) +
                          ")",
                      first_unmatched.step);
    }
  }
  const Finding* first = run.result.findings.empty() ? nullptr : &run.result.findings.front();
  if (t.verdict) {
    if (first == nullptr) {
      return diverged("the trace recorded " + std::string(kind_name(t.verdict->kind)) +
                          " at step " + std::to_string(t.verdict->step) +
                          ", the replay found nothing",
                      t.verdict->step);
    }
    if (first->kind != t.verdict->kind || first->step != t.verdict->step) {
      return diverged("the trace recorded " + std::string(kind_name(t.verdict->kind)) +
                          " at step " + std::to_string(t.verdict->step) + ", the replay found " +
                          std::string(kind_name(first->kind)) + " at step " +
                          std::to_string(first->step),
                      std::min(first->step, t.verdict->step));
    }
  }
  return std::nullopt;
}

/// The first note of a timed replay that differs from the trace's, in words; empty if none.
std::string first_note_difference(const std::vector<Trace::Note>& recorded,
                                  const std::vector<Trace::Note>& replayed) {
  auto text = [](const Trace::Note& n) {
    char t[32];
    std::snprintf(t, sizeof t, "%.6f", static_cast<double>(n.time_ns) * 1e-9);
    return n.label + " = " + std::to_string(n.value) + " at " + t + " s";
  };
  const std::size_t n = std::min(recorded.size(), replayed.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (!(recorded[i] == replayed[i])) {
      return "note " + std::to_string(i) + " differs: recorded " + text(recorded[i]) +
             ", replayed " + text(replayed[i]);
    }
  }
  if (recorded.size() != replayed.size()) {
    return "the trace recorded " + std::to_string(recorded.size()) + " notes, the replay made " +
           std::to_string(replayed.size());
  }
  return {};
}

nlohmann::ordered_json event_json(const RecordedEvent& e) {
  nlohmann::ordered_json j = {{"step", e.step}, {"thread", e.thread}, {"op", op_name(e.op)}};
  if (!e.object.empty()) j["object"] = e.object;
  j["value"] = e.value;
  if (!e.loc.empty()) j["loc"] = e.loc;
  if (e.order != std::memory_order_seq_cst) j["order"] = order_name(e.order);
  return j;
}

}  // namespace

/// replay --check: the checker over the recorded events, no model code.
int check_command(const ReplayOptions& o, const Trace& t) {
  if (t.overflowed) {
    throw InputError("trace " + o.trace +
                     ": saved when a model thread overflowed its stack, it has no events to "
                     "check; replay it (without --check) to run into the overflow");
  }
  std::vector<Finding> findings;
  try {
    findings = check_offline(t);
  } catch (const InputError& e) {
    throw InputError("trace " + o.trace + ": " + e.what());
  }
  if (o.json) {
    const nlohmann::ordered_json list = run_bugs_json(findings, t.preemptions);
    nlohmann::ordered_json params = nlohmann::ordered_json::object();
    for (const auto& [name, value] : t.params) params[name] = number_json(value);
    std::cout << nlohmann::ordered_json{{"trace", o.trace},     {"model", t.model},
                                        {"variant", t.variant}, {"params", params},
                                        {"checked", "offline"}, {"events", t.events.size()},
                                        {"bugs", list}}
                     .dump()
              << '\n';
  } else {
    std::cout << "checked " << t.events.size() << " recorded events of " << o.trace
              << " (offline: no model code ran)\n";
    if (findings.empty()) std::cout << "interleave: no findings in the recorded events\n";
    for (const Finding& f : findings) {
      std::cout << '\n';
      print_finding(std::cout, f);
    }
  }
  return findings.empty() ? kExitClean : kExitBug;
}

/// A timed trace: follow its decisions in virtual time and check the notes still match.
int replay_timed(const ReplayOptions& o, const Trace& t, const ModelInfo& model,
                 const ParamValues& params) {
  ExecutionConfig config;
  config.step_limit = std::numeric_limits<uint64_t>::max();
  config.timing = *t.timing;
  TimedReplayStrategy replay(t.decision_steps, t.schedule, t.random);
  RunRecord record;
  // The checker simulate ran with: the replay must find what the run found.
  Checker checker(CheckerOptions{.races = true, .lock_order = true, .explain = false});
  const RunResult run = run_once(model.bind(params).sim, replay, &checker, config, &record);
  if (run.status == RunStatus::kAbandoned) {
    throw InputError("trace " + o.trace + ": " + run.abandon_reason);
  }
  std::vector<Finding> bugs = run.findings;
  std::vector<Trace::Note> notes;
  for (const NoteRecord& n : run.notes) notes.push_back(Trace::Note{n.label, n.value, n.time_ns});
  std::string difference = first_note_difference(t.notes, notes);
  if (difference.empty() && replay.values_diverged()) {
    difference = "the run asked for other random values than the trace recorded";
  }
  if (difference.empty() && t.verdict) {
    const Finding* first = run.findings.empty() ? nullptr : &run.findings.front();
    if (first == nullptr || first->kind != t.verdict->kind) {
      difference =
          "the trace recorded " + std::string(kind_name(t.verdict->kind)) + ", the replay found " +
          (first == nullptr ? std::string("nothing") : std::string(kind_name(first->kind)));
    }
  }
  if (difference.empty() && record.schedule.size() < t.schedule.size()) {
    difference = "the run ended after " + std::to_string(record.schedule.size()) +
                 " scheduling decisions but the trace recorded " +
                 std::to_string(t.schedule.size());
  }
  if (!difference.empty()) {
    bugs.insert(bugs.begin(), Finding{FindingKind::kNondeterminism,
                                      "the timed replay differs from the trace: " + difference,
                                      run.steps,
                                      "nondeterminism",
                                      {}});
  }
  if (o.json) {
    const nlohmann::ordered_json list = run_bugs_json(bugs, run.preemptions);
    // The heartbeats as simulate gives them (a beat's violation: a check failed since the last).
    nlohmann::ordered_json beats = nlohmann::ordered_json::array();
    uint64_t failed_before = 0;
    for (const NoteRecord& n : run.notes) {
      if (std::string_view(n.label) != "heartbeat") continue;
      beats.push_back({{"values", n.value},
                       {"t", static_cast<double>(n.time_ns) * 1e-9},
                       {"violation", n.failed_checks_before > failed_before}});
      failed_before = n.failed_checks_before;
    }
    std::cout << nlohmann::ordered_json{{"trace", o.trace},
                                        {"model", model.name},
                                        {"variant", params.variant},
                                        {"params", params_json(params)},
                                        {"mode", "timed"},
                                        {"steps", run.steps},
                                        {"preemptions", run.preemptions},
                                        {"heartbeats", beats},
                                        {"bugs", list}}
                     .dump()
              << '\n';
  } else {
    std::cout << "replay of " << o.trace << ": " << model.name << " --variant " << params.variant
              << " in virtual time, " << count_of(run.steps, "step") << ", "
              << count_of(record.schedule.size(), "scheduling decision") << "\n";
    for (const NoteRecord& n : run.notes) {
      std::cout << format_note(model, n.label, n.value, static_cast<double>(n.time_ns) * 1e-9)
                << '\n';
    }
    if (bugs.empty()) std::cout << "interleave: the run is clean\n";
    for (const Finding& f : bugs) print_finding(std::cout, f);
  }
  return bugs.empty() ? kExitClean : kExitBug;
}

int replay_command(const ReplayOptions& o) {
  const Trace t = read_trace(o.trace);
  if (o.check) return check_command(o, t);
  const TraceModel m = trace_model(o.trace, t);
  const ModelInfo* model = m.model;
  const ParamValues& params = m.params;
  if (t.timing) return replay_timed(o, t, *model, params);
  CapturedRun run = replay_captured(o.trace, t, m);
  std::vector<Finding> bugs = run.result.findings;
  if (std::optional<Finding> diff = compare(t, run)) {
    bugs.insert(bugs.begin(), *diff);  // the model behaves otherwise: say where
  } else {
    check_schedule_followed(o.trace, t, run);
  }

  if (o.json) {
    const nlohmann::ordered_json list = run_bugs_json(bugs, run.result.preemptions);
    nlohmann::ordered_json j = {{"trace", o.trace},
                                {"model", model->name},
                                {"variant", params.variant},
                                {"params", params_json(params)},
                                {"steps", run.result.steps},
                                {"preemptions", run.result.preemptions},
                                {"bugs", list}};
    if (o.timeline) {
      nlohmann::ordered_json events = nlohmann::ordered_json::array();
      for (const RecordedEvent& e : run.events) events.push_back(event_json(e));
      j["threads"] = run.threads;
      j["events"] = events;
    }
    std::cout << j.dump() << '\n';
  } else {
    std::cout << "replay of " << o.trace << ": " << model->name << " --variant " << params.variant
              << ", " << count_of(run.result.steps, "step") << ", "
              << count_of(run.result.preemptions, "preemption") << "\n\n";
    print_timeline(std::cout, run.events, run.threads);
    std::cout << '\n';
    if (bugs.empty()) std::cout << "interleave: the run is clean\n";
    for (std::size_t i = 0; i < bugs.size(); ++i) {
      const Finding& f = bugs[i];
      if (i > 0) std::cout << '\n';
      print_finding(std::cout, f);
      // Where it was detected, unless a detail line already says it.
      const std::string at = "at step " + std::to_string(f.step);
      bool said = false;
      for (const std::string& d : f.details) said |= d.find(at) != std::string::npos;
      if (!said) std::cout << "  " << at << '\n';
    }
  }
  return bugs.empty() ? kExitClean : kExitBug;
}

}  // namespace interleave::cli
