// interleave native: the same model on real threads; failed checks, exceptions and deadlocks (by
// timeout) are findings, and heartbeats end with the summary the timed simulation prints.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/report.hpp"
#include "models/heartbeat_summary.hpp"
#include "models/native_watchdog.hpp"
#include "models/registry.hpp"
#include "models/std_env.hpp"

namespace interleave::cli {
namespace {

using Findings = std::vector<std::pair<Finding, uint64_t>>;

/// Models with a heartbeat period report heartbeats; their summary compares with `simulate`'s.
const double* heartbeat_period(const ParamValues& params) {
  for (const auto& [name, value] : params.values) {
    if (name == "period") return &value;
  }
  return nullptr;
}

struct Beats {
  std::vector<double> times;
  std::vector<int64_t> values;
  std::vector<bool> violated;  // checks failed since the previous heartbeat
  HeartbeatSummary summary;
};

/// The heartbeats of a run of `duration_s` seconds; as simulate's, the summary leaves out a
/// beat after the duration (under way when it ended, against a counter already stopped).
Beats heartbeats(const std::vector<NativeNote>& notes, double period_s, double duration_s) {
  Beats b;
  uint64_t failed_before = 0;
  uint64_t violations = 0;
  std::vector<double> within;
  for (const NativeNote& n : notes) {
    if (std::string_view(n.label) != "heartbeat") continue;
    b.times.push_back(n.t);
    b.values.push_back(n.value);
    b.violated.push_back(n.failed_checks_before > failed_before);
    failed_before = n.failed_checks_before;
    if (n.t > duration_s) continue;
    within.push_back(n.t);
    violations += b.violated.back() ? 1 : 0;
  }
  b.summary = summarize_heartbeats(within, period_s, violations);
  return b;
}

/// Prints the run's result (human or JSON) and returns its exit code.
int report(const NativeOptions& o, const ModelInfo& model, const ParamValues& params,
           const NativeRun& run, const Findings& findings, double elapsed) {
  const double* period = heartbeat_period(params);
  const std::vector<NativeNote> notes = run.notes();
  if (o.json) {
    nlohmann::ordered_json note_list = nlohmann::ordered_json::array();
    for (const NativeNote& n : notes) {
      note_list.push_back({{"label", n.label}, {"value", n.value}, {"t", n.t}});
    }
    nlohmann::ordered_json bugs = nlohmann::ordered_json::array();
    for (const auto& [f, count] : findings) {
      // The bugs list of explore and replay: a native run is one execution (count 1), with no
      // steps or preemptions to count (null); `occurrences` says how often it happened in it.
      bugs.push_back({{"kind", kind_name(f.kind)},
                      {"message", f.message},
                      {"execution", 1},
                      {"steps", nullptr},
                      {"preemptions", nullptr},
                      {"count", 1},
                      {"occurrences", count}});
    }
    nlohmann::ordered_json j = {{"model", model.name},
                                {"variant", params.variant},
                                {"params", params_json(params)},
                                {"elapsed_s", elapsed},
                                {"notes", note_list}};
    if (period != nullptr) {
      const Beats b = heartbeats(notes, *period, o.duration_s);
      nlohmann::ordered_json beats = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < b.times.size(); ++i) {
        beats.push_back({{"values", b.values[i]},
                         {"t", b.times[i]},
                         {"violation", b.violated[i]},
                         {"after_duration", b.times[i] > o.duration_s}});
      }
      j["heartbeats"] = beats;
      j["summary"] = {{"heartbeats", b.summary.heartbeats},
                      {"mean_interval_s", b.summary.mean_interval_s},
                      {"jitter_s", b.summary.jitter_s},
                      {"drift_s", b.summary.drift_s},
                      {"violations", b.summary.violations}};
    }
    j["bugs"] = bugs;
    std::cout << j.dump() << '\n';
  } else {
    for (const auto& [f, count] : findings) {
      print_finding(std::cout, f);
      std::cout << "  happened " << count << " time" << (count == 1 ? "" : "s") << '\n';
    }
    if (period != nullptr) {
      std::cout << format_summary(heartbeats(notes, *period, o.duration_s).summary) << '\n';
    }
    char took[32];
    std::snprintf(took, sizeof took, "%.2f", elapsed);
    std::cout << "ran " << model.name << " (" << params.variant << ") natively for " << took
              << " s: " << (findings.empty() ? "clean" : "FAILED") << '\n';
  }
  return findings.empty() ? kExitClean : kExitBug;
}

}  // namespace

int native_command(const NativeOptions& o) {
  return run_native(find_model(o.choice.model), o);
}

int run_native(const ModelInfo& model, const NativeOptions& o) {
  const ParamValues params = resolve_params(model, o.choice.variant, o.choice.params, true);
  const ModelRunners runners = model.bind(params);

  NativeRun::NoteFn print_note;
  uint64_t failed_before = 0;  // checks failed before the last heartbeat printed
  if (!o.json) {
    print_note = [&](const NativeNote& n) {
      // As simulate marks them: a heartbeat whose checks failed since the one before.
      const bool violated = n.failed_checks_before > failed_before;
      failed_before = n.failed_checks_before;
      std::cout << format_note(model, n.label, n.value, n.t) << (violated ? kUnequalBeat : "")
                << (n.t > o.duration_s && std::string_view(n.label) == "heartbeat" ? kLateBeat : "")
                << std::endl;
    };
  }
  NativeRun run(o.duration_s, print_note);
  StdEnv env(run);
  // Threads stuck in a real deadlock can be neither joined nor unwound: report, then leave.
  NativeWatchdog watchdog(run, o.timeout_s, [&](const Finding& deadlock) {
    Findings findings = run.findings();
    findings.emplace_back(deadlock, 1);
    const int code = report(o, model, params, run, findings, run.now());
    std::cout.flush();
    std::fflush(nullptr);
    std::_Exit(code);
  });
  auto root = [&] { runners.native(env); };
  env.guarded("main", root);
  watchdog.stop();
  return report(o, model, params, run, run.findings(), run.now());
}

}  // namespace interleave::cli
