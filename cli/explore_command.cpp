// interleave explore: search a model's schedules, report distinct bugs, save the first as a trace.
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "checker/checker.hpp"
#include "cli/commands.hpp"
#include "cli/report.hpp"
#include "models/registry.hpp"
#include "sim/dpor_strategy.hpp"
#include "sim/input_error.hpp"
#include "sim/random_strategy.hpp"
#include "sim/rr_strategy.hpp"

namespace interleave::cli {
namespace {

std::unique_ptr<Strategy> make_strategy(const ExploreOptions& o) {
  if (o.strategy == "random") return std::make_unique<RandomStrategy>(o.seed);
  if (o.strategy == "rr") return std::make_unique<RoundRobinStrategy>();
  if (o.strategy == "dpor") return std::make_unique<DporStrategy>();
  throw InputError("unknown strategy '" + o.strategy + "' (strategies: dpor, random, rr)");
}

/// The command line that reproduces this search exactly.
std::string explore_command_line(const ExploreOptions& o, const ParamValues& params) {
  std::string cmd = "interleave explore " + shell_quote(o.choice.model) + " --variant " +
                    shell_quote(params.variant);
  for (const std::string& p : o.choice.params) cmd += " --param " + shell_quote(p);
  cmd += " --strategy " + o.strategy;
  if (o.strategy == "random") cmd += " --seed " + std::to_string(o.seed);
  if (o.executions > 0) cmd += " --executions " + std::to_string(o.executions);
  return cmd;
}

Trace make_trace(const ExploreOptions& o, const ParamValues& params, const BugRecord& bug,
                 const CapturedRun& run) {
  Trace t;
  t.model = o.choice.model;
  t.variant = params.variant;
  t.params = params.values;
  t.strategy = o.strategy;
  t.seed = o.seed;
  t.execution = bug.execution;
  t.threads = run.threads;
  t.schedule = run.schedule;
  t.random = bug.random;
  t.events = run.events;
  if (!run.result.findings.empty()) {
    const Finding& first = run.result.findings.front();
    t.verdict = Verdict{first.kind, first.message, first.step};
  }
  return t;
}

void print_human(const ExploreOptions& o, const ModelInfo& model, const ParamValues& params,
                 const ExploreResult& r, const CapturedRun* first_run) {
  std::ostream& out = std::cout;
  for (std::size_t i = 0; i < r.bugs.size(); ++i) {
    const BugRecord& bug = r.bugs[i];
    if (i > 0) out << '\n';
    print_finding(out, bug.finding);
    out << "  found in execution " << bug.execution << " (strategy " << o.strategy;
    if (o.strategy == "random") out << ", seed " << o.seed;
    out << ") at step " << bug.finding.step << ", " << bug.preemptions << " preemption"
        << (bug.preemptions == 1 ? "" : "s") << "; hit by " << bug.count << " of " << r.executions
        << " execution" << (r.executions == 1 ? "" : "s") << '\n';
    if (i == 0 && first_run != nullptr) {
      // The steps leading to the first bug, from the capturing re-run.
      const auto& ev = first_run->events;
      std::size_t end = 0;
      while (end < ev.size() && ev[end].step <= bug.finding.step) ++end;
      constexpr std::size_t kContext = 12;
      const std::size_t from = end > kContext ? end - kContext : 0;
      out << "  last steps before it:\n";
      std::vector<RecordedEvent> shown(ev.begin(), ev.begin() + static_cast<std::ptrdiff_t>(end));
      std::ostringstream table;
      print_timeline(table, shown, first_run->threads, from);
      std::istringstream lines(table.str());
      for (std::string line; std::getline(lines, line);) out << "    " << line << '\n';
    }
  }
  if (!r.bugs.empty()) {
    if (!o.save.empty()) {
      out << "  saved: " << o.save << "\n  replay: interleave replay " << shell_quote(o.save)
          << '\n';
    } else {
      out << "  reproduce: " << explore_command_line(o, params) << " --save trace.json\n"
          << "  then:      interleave replay trace.json\n";
    }
    out << '\n';
  } else {
    out << "interleave: no bugs found in " << model.name << " (" << params.variant << ")\n";
  }
  const double rate = r.elapsed_s > 0 ? static_cast<double>(r.executions) / r.elapsed_s : 0;
  out << "explored " << r.executions << " execution" << (r.executions == 1 ? "" : "s");
  if (r.blocked > 0) out << " (+" << r.blocked << " blocked by assume)";
  char figures[160];
  std::snprintf(figures, sizeof figures, " in %.3f s (%.0f executions/s), deepest %llu steps",
                r.elapsed_s, rate, static_cast<unsigned long long>(r.max_depth));
  out << figures;
  if (r.complete) {
    out << "; the whole space was covered\n";
  } else if (!r.bugs.empty() && !o.all) {
    out << "; stopped at the first bug (--all finds them all)\n";
  } else {
    out << "; not exhaustive\n";
  }
}

}  // namespace

int explore_command(const ExploreOptions& o) {
  const ModelInfo& model = find_model(o.choice.model);
  const ParamValues params = resolve_params(model, o.choice.variant, o.choice.params);
  std::unique_ptr<Strategy> strategy = make_strategy(o);
  const ModelRunners runners = model.bind(params);

  interleave::ExploreOptions search;
  const bool exhaustive = o.strategy == "dpor" || o.strategy == "dfs";
  search.max_executions = o.executions > 0 ? o.executions
                          : exhaustive     ? std::numeric_limits<uint64_t>::max()
                                           : 1000;
  search.time_limit_s = o.time_limit_s;
  search.all = o.all;
  search.execution.step_limit = o.max_steps;
  // Lean while searching; every distinct bug is then re-run once with everything explained.
  Checker checker(CheckerOptions{.races = true, .lock_order = true, .explain = false});
  ExploreResult r = explore(runners.sim, *strategy, search, &checker);
  if (!r.error.empty()) {
    std::cerr << "interleave internal error: " << r.error << '\n';
    return 3;
  }

  CapturedRun first_run;
  const bool have_bug = !r.bugs.empty();
  for (std::size_t i = 0; i < r.bugs.size(); ++i) {
    BugRecord& bug = r.bugs[i];
    CapturedRun run = capture(model, params, bug.schedule, bug.random, search.execution);
    for (const Finding& f : run.result.findings) {
      if (f.kind == bug.finding.kind && f.key() == bug.finding.key()) {
        bug.finding.details = f.details;
        bug.finding.message = f.message;
      }
    }
    if (i == 0) first_run = std::move(run);
  }
  if (have_bug && !o.save.empty()) {
    write_trace(o.save, make_trace(o, params, r.bugs.front(), first_run));
  }

  if (o.json) {
    nlohmann::ordered_json bugs = nlohmann::ordered_json::array();
    for (const BugRecord& b : r.bugs) {
      bugs.push_back({{"kind", kind_name(b.finding.kind)},
                      {"message", b.finding.message},
                      {"execution", b.execution},
                      {"steps", b.finding.step},
                      {"preemptions", b.preemptions},
                      {"count", b.count}});
    }
    nlohmann::ordered_json j = {
        {"model", model.name},
        {"variant", params.variant},
        {"params", params_json(params)},
        {"strategy", o.strategy},
        {"seed", o.seed},
        {"executions", r.executions},
        {"blocked", r.blocked},
        {"pruned", r.pruned},
        {"complete", r.complete},
        {"max_depth", r.max_depth},
        {"elapsed_s", r.elapsed_s},
        {"executions_per_s",
         r.elapsed_s > 0 ? static_cast<double>(r.executions) / r.elapsed_s : 0.0},
        {"bugs", bugs},
    };
    if (!o.save.empty() && have_bug) j["saved"] = o.save;
    std::cout << j.dump() << '\n';
  } else {
    print_human(o, model, params, r, have_bug ? &first_run : nullptr);
  }
  return have_bug ? kExitBug : kExitClean;
}

}  // namespace interleave::cli
