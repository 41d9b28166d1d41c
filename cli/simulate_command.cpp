// interleave simulate: a model in virtual time under a preemption policy; heartbeat lines, the
// summary, a side-by-side comparison of variants, an SVG plot, and saved timed traces.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "checker/checker.hpp"
#include "cli/commands.hpp"
#include "cli/report.hpp"
#include "models/heartbeat_summary.hpp"
#include "models/registry.hpp"
#include "sim/input_error.hpp"
#include "sim/random_strategy.hpp"

namespace interleave::cli {
namespace {

struct Simulated {
  std::string variant;
  TimingConfig timing;
  ParamValues params;
  RunResult result;
  RunRecord record;
  std::vector<double> beats;  // heartbeat times, seconds
  std::vector<int64_t> values;
  std::vector<bool> violated;  // per heartbeat: a check failed during it
  HeartbeatSummary summary;
};

/// Whether heartbeat `i` of `s` came after the duration (it was under way when it ended).
bool late(const Simulated& s, std::size_t i, double duration_s) {
  return s.beats[i] > duration_s;
}

double period_of(const ParamValues& params) {
  for (const auto& [name, value] : params.values) {
    if (name == "period") return value;
  }
  return 1.0;
}

/// Threads wait on a lock under the GIL; asyncio tasks switch only at awaits.
Policy natural_policy(const std::string& variant) {
  return variant == "cooperative" ? Policy::kCooperative : Policy::kGil;
}

TimingConfig timing_for(const SimulateOptions& o, const std::string& variant) {
  TimingConfig t;
  t.timed = true;
  if (o.policy.empty()) {
    t.policy = natural_policy(variant);
  } else if (auto p = policy_from_name(o.policy)) {
    t.policy = *p;
  } else {
    throw InputError("unknown policy '" + o.policy + "' (policies: preemptive, gil, cooperative)");
  }
  auto f = fairness_from_name(o.fairness);
  if (!f) throw InputError("unknown fairness '" + o.fairness + "' (barging or fifo)");
  t.fairness = *f;
  t.duration_ns = static_cast<int64_t>(o.duration_s * 1e9);
  if (!(o.switch_interval_ms * 1e6 >= 1 && o.switch_interval_ms <= 3.6e6)) {
    throw InputError("--switch-interval must be from 0.000001 ms (1 ns) to 3600000 ms (an hour)");
  }
  t.switch_interval_ns = static_cast<int64_t>(o.switch_interval_ms * 1e6);
  t.op_cost_ns = o.op_cost_ns;
  t.work_cost_ns = o.work_cost_ns;
  t.wake_latency_max_ns = o.wake_latency_ns;
  // The options' own checks leave nothing for this, but a run must never be given a timing
  // that would not end.
  if (const std::string problem = timing_problem(t); !problem.empty()) {
    throw InputError("timing: " + problem);
  }
  return t;
}

Simulated simulate(const ModelInfo& model, const SimulateOptions& o, const std::string& variant) {
  Simulated s;
  s.variant = variant;
  s.params = resolve_params(model, variant, o.choice.params, /*native=*/true);
  s.timing = timing_for(o, s.params.variant);
  s.variant = s.params.variant;
  ExecutionConfig config;
  config.step_limit = std::numeric_limits<uint64_t>::max();
  config.timing = s.timing;
  RandomStrategy strategy(o.seed);
  // The race and lock-order checker watches the run as it does every search (lean: a timed run
  // may take millions of steps, and explanations would keep a clock per step).
  Checker checker(CheckerOptions{.races = true, .lock_order = true, .explain = false});
  s.result = run_once(model.bind(s.params).sim, strategy, &checker, config, &s.record);
  uint64_t failed_before = 0;
  for (const NoteRecord& n : s.result.notes) {
    if (std::string_view(n.label) != "heartbeat") continue;
    s.beats.push_back(static_cast<double>(n.time_ns) * 1e-9);
    s.values.push_back(n.value);
    s.violated.push_back(n.failed_checks_before > failed_before);
    failed_before = n.failed_checks_before;
  }
  // The summary is of the beats within the duration: one under way when it ended came late
  // against a counter already stopped, and would bend the mean, jitter and drift.
  std::vector<double> within;
  uint64_t violations = 0;
  for (std::size_t i = 0; i < s.beats.size(); ++i) {
    if (late(s, i, o.duration_s)) continue;
    within.push_back(s.beats[i]);
    violations += s.violated[i] ? 1 : 0;
  }
  s.summary = summarize_heartbeats(within, period_of(s.params), violations);
  return s;
}

std::string describe_timing(const TimingConfig& t) {
  std::string text = "policy " + std::string(policy_name(t.policy));
  if (t.policy == Policy::kGil) {
    char interval[48];
    std::snprintf(interval, sizeof interval, " (switch interval %g ms)",
                  static_cast<double>(t.switch_interval_ns) / 1e6);
    text += interval;
  }
  return text + ", " + std::string(fairness_name(t.fairness)) + " mutexes";
}

nlohmann::ordered_json run_json(const Simulated& s, double duration_s) {
  nlohmann::ordered_json beats = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < s.beats.size(); ++i) {
    beats.push_back({{"values", s.values[i]},
                     {"t", s.beats[i]},
                     {"violation", s.violated[i]},
                     {"after_duration", late(s, i, duration_s)}});
  }
  const nlohmann::ordered_json bugs = run_bugs_json(s.result.findings, s.result.preemptions);
  return {{"variant", s.variant},
          {"params", params_json(s.params)},
          {"policy", policy_name(s.timing.policy)},
          {"fairness", fairness_name(s.timing.fairness)},
          {"heartbeats", beats},
          {"summary",
           {{"heartbeats", s.summary.heartbeats},
            {"mean_interval_s", s.summary.mean_interval_s},
            {"jitter_s", s.summary.jitter_s},
            {"drift_s", s.summary.drift_s},
            {"violations", s.summary.violations}}},
          {"failed_checks", s.result.failed_checks},
          {"bugs", bugs}};
}

/// Heartbeat times per variant along one time axis: a person can see drift and jitter at once.
void write_plot(const std::string& path, const std::vector<Simulated>& runs, double duration_s) {
  constexpr double kLeft = 170, kWidth = 760, kRow = 46, kTop = 40;
  const double height = kTop + kRow * static_cast<double>(runs.size()) + 40;
  std::ofstream out(path);
  if (!out) throw InputError("cannot write the plot to " + path);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
                "font-family=\"sans-serif\" font-size=\"13\">\n",
                kLeft + kWidth + 30, height);
  out << buf << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out << "<text x=\"10\" y=\"22\" font-size=\"15\">Heartbeat times (virtual seconds); red: the "
         "check failed</text>\n";
  const auto x_of = [&](double t) { return kLeft + kWidth * t / duration_s; };
  for (int second = 0; second <= static_cast<int>(duration_s); ++second) {
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#ddd\"/>"
                  "<text x=\"%.1f\" y=\"%g\" text-anchor=\"middle\" fill=\"#666\">%d</text>\n",
                  x_of(second), kTop, x_of(second), height - 30, x_of(second), height - 12, second);
    out << buf;
  }
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const double y = kTop + kRow * (static_cast<double>(r) + 0.5);
    std::snprintf(buf, sizeof buf, "<text x=\"10\" y=\"%.1f\">%s (%s)</text>\n", y + 4,
                  runs[r].variant.c_str(), std::string(policy_name(runs[r].timing.policy)).c_str());
    out << buf;
    for (std::size_t i = 0; i < runs[r].beats.size(); ++i) {
      std::snprintf(buf, sizeof buf,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"><title>+%.2f s</title>"
                    "</circle>\n",
                    x_of(runs[r].beats[i]), y, runs[r].violated[i] ? "#d62728" : "#1f77b4",
                    runs[r].beats[i]);
      out << buf;
    }
  }
  out << "</svg>\n";
}

void save_trace(const std::string& path, const ModelInfo& model, const SimulateOptions& o,
                const Simulated& s) {
  Trace t;
  t.program = program();
  t.model = model.name;
  t.variant = s.variant;
  t.params = s.params.values;
  t.mode = "timed";
  t.strategy = "random";
  t.seed = o.seed;
  t.execution = 1;
  t.preemptions = s.result.preemptions;
  t.timing = s.timing;
  t.schedule = s.record.schedule;
  t.decision_steps = s.record.decision_steps;
  t.random = s.record.random;
  for (const NoteRecord& n : s.result.notes) {
    t.notes.push_back(Trace::Note{n.label, n.value, n.time_ns});
  }
  if (!s.result.findings.empty()) {
    const Finding& f = s.result.findings.front();
    t.verdict = Verdict{f.kind, f.message, f.step};
  }
  write_trace(path, t);
}

void print_run(const ModelInfo& model, const Simulated& s, double duration_s) {
  for (std::size_t i = 0; i < s.beats.size(); ++i) {
    std::cout << format_note(model, "heartbeat", s.values[i], s.beats[i])
              << (s.violated[i] ? kUnequalBeat : "") << (late(s, i, duration_s) ? kLateBeat : "")
              << '\n';
  }
  if (s.result.findings.empty()) std::cout << "interleave: the run is clean\n";
  for (const Finding& f : s.result.findings) {
    print_finding(std::cout, f);
    if (f.kind == FindingKind::kInvariant && s.result.failed_checks > 1) {
      std::cout << "  " << s.result.failed_checks << " failed checks in all\n";
    }
  }
  if (!s.beats.empty()) std::cout << format_summary(s.summary) << '\n';
}

/// "1 virtual second", "10 virtual seconds".
std::string virtual_seconds(double s) {
  std::ostringstream out;
  out << s << " virtual second" << (s == 1 ? "" : "s");
  return out.str();
}

void print_comparison(const std::vector<Simulated>& runs, double duration_s) {
  std::size_t rows = 0;
  for (const Simulated& s : runs) rows = std::max(rows, s.beats.size());
  char cell[64];
  std::printf("%-16s", "");
  for (const Simulated& s : runs) {
    std::snprintf(cell, sizeof cell, "%s (%s)", s.variant.c_str(),
                  std::string(policy_name(s.timing.policy)).c_str());
    std::printf("%26s", cell);
  }
  std::printf("\n");
  bool any_late = false;
  for (std::size_t i = 0; i < rows; ++i) {
    std::printf("heartbeat %-6zu", i + 1);
    for (const Simulated& s : runs) {
      if (i < s.beats.size()) {
        const bool after = late(s, i, duration_s);
        any_late |= after;
        std::snprintf(cell, sizeof cell, "+%.2f s%s%s", s.beats[i], s.violated[i] ? " (!)" : "    ",
                      after ? " *" : "  ");
      } else {
        cell[0] = '\0';
      }
      std::printf("%26s", cell);
    }
    std::printf("\n");
  }
  const auto row = [&](const char* name, auto value) {
    std::printf("%-16s", name);
    for (const Simulated& s : runs) std::printf("%26s", value(s).c_str());
    std::printf("\n");
  };
  const auto seconds = [](double v, const char* format) {
    char b[32];
    std::snprintf(b, sizeof b, format, v);
    return std::string(b);
  };
  std::printf("\n");
  row("mean interval",
      [&](const Simulated& s) { return seconds(s.summary.mean_interval_s, "%.3f s"); });
  row("jitter", [&](const Simulated& s) { return seconds(s.summary.jitter_s, "%.3f s"); });
  row("drift", [&](const Simulated& s) { return seconds(s.summary.drift_s, "%+.2f s"); });
  row("violations", [&](const Simulated& s) { return std::to_string(s.summary.violations); });
  std::printf("\n(!) the heartbeat saw values that were not all equal\n");
  if (any_late) {
    std::printf("*   after the duration (under way when it ended): not in the summary\n");
  }
}

}  // namespace

int simulate_command(const SimulateOptions& o) {
  const ModelInfo& model = find_model(o.choice.model);
  if (!(o.duration_s > 0 && o.duration_s <= 3600)) {  // NaN too
    throw InputError("--duration must be in (0, 3600] virtual seconds");
  }
  std::vector<Simulated> runs;
  if (o.compare) {
    if (!o.choice.variant.empty()) throw InputError("--compare runs every variant; drop --variant");
    if (!o.save.empty()) throw InputError("--save keeps one run; drop --compare");
    const bool beats = std::any_of(model.params.begin(), model.params.end(),
                                   [](const ParamSpec& p) { return p.name == "period"; });
    if (!beats) {
      throw InputError("--compare compares heartbeats, and " + model.name +
                       " has none; simulate one variant at a time");
    }
  }
  // Before the run, not after it.
  if (!o.plot.empty()) check_writable("--plot", o.plot);
  if (!o.save.empty()) check_writable("--save", o.save);
  if (o.compare) {
    for (const VariantSpec& v : model.variants) runs.push_back(simulate(model, o, v.name));
  } else {
    runs.push_back(simulate(model, o, o.choice.variant));
  }
  if (!o.plot.empty()) write_plot(o.plot, runs, o.duration_s);
  if (!o.save.empty()) save_trace(o.save, model, o, runs.front());

  bool bugs = false;
  for (const Simulated& s : runs) bugs |= !s.result.findings.empty();
  if (o.json) {
    nlohmann::ordered_json j = {
        {"model", model.name}, {"seed", o.seed}, {"duration_s", o.duration_s}};
    if (o.compare) {
      nlohmann::ordered_json all = nlohmann::ordered_json::array();
      for (const Simulated& s : runs) all.push_back(run_json(s, o.duration_s));
      j["compare"] = all;
    } else {
      const nlohmann::ordered_json run = run_json(runs.front(), o.duration_s);
      for (const auto& [key, value] : run.items()) j[key] = value;
    }
    std::cout << j.dump() << '\n';
  } else if (o.compare) {
    std::cout << "simulating " << model.name << " for " << virtual_seconds(o.duration_s)
              << ", seed " << o.seed << ", "
              << (o.policy.empty() ? "each variant under its natural policy"
                                   : "every variant under policy " + o.policy)
              << "\n\n";
    print_comparison(runs, o.duration_s);
  } else {
    const Simulated& s = runs.front();
    std::cout << "simulating " << model.name << " --variant " << s.variant << " for "
              << virtual_seconds(o.duration_s) << ": " << describe_timing(s.timing) << ", seed "
              << o.seed << "\n";
    print_run(model, s, o.duration_s);
  }
  if (!o.plot.empty() && !o.json) std::cout << "plot: " << o.plot << '\n';
  if (!o.save.empty() && !o.json) std::cout << "saved: " << o.save << '\n';
  return bugs ? kExitBug : kExitClean;
}

}  // namespace interleave::cli
