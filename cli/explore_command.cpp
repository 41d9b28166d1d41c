// interleave explore: search a model's schedules, report distinct bugs, save the first as a trace.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "checker/checker.hpp"
#include "cli/commands.hpp"
#include "cli/report.hpp"
#include "models/registry.hpp"
#include "sim/dfs_strategy.hpp"
#include "sim/dpor_strategy.hpp"
#include "sim/input_error.hpp"
#include "sim/internal_check.hpp"
#include "sim/parallel.hpp"
#include "sim/pct_strategy.hpp"
#include "sim/random_strategy.hpp"
#include "sim/rr_strategy.hpp"
#include "sim/stack_pool.hpp"

namespace interleave::cli {
namespace {

/// The --preemptions bound: none, a number, or (flag alone) no limit but raised from 0.
std::optional<uint32_t> preemption_bound(const ExploreOptions& o) {
  if (!o.preemptions) return std::nullopt;
  const std::string& text = *o.preemptions;
  if (text.empty()) return std::numeric_limits<uint32_t>::max();
  if (text.find_first_not_of("0123456789") != std::string::npos || text.size() > 9) {
    throw InputError(
        "--preemptions expects a number of preemptions >= 0 (or nothing, to raise "
        "the bound until a bug), got '" +
        text + "'");
  }
  return static_cast<uint32_t>(std::stoul(text));
}

/// The bound --preemptions K sets on dfs, if any (alone, the flag raises it without a limit).
std::optional<uint32_t> bound_of(const ExploreOptions& o) {
  const std::optional<uint32_t> bound = preemption_bound(o);
  if (bound && *bound == std::numeric_limits<uint32_t>::max()) return std::nullopt;
  return bound;
}

/// What a strategy does without a seed, for the note that says --seed is ignored.
const char* without_seed(const std::string& strategy) {
  if (strategy == "dpor") return "dpor explores every trace, in one fixed order";
  if (strategy == "dfs") return "dfs explores every interleaving, in one fixed order";
  if (strategy == "rr") return "rr's schedules are fixed";
  return nullptr;  // it takes one
}

/// Options the strategy (a known one) ignores: harmless, so not refused (a script may pass the
/// same options to every strategy), but said: a user who varies the seed of dpor expects other
/// runs.
void note_ignored_options(const ExploreOptions& o) {
  if (o.seed_given && without_seed(o.strategy) != nullptr) {
    std::cerr << program() << ": note: --seed is ignored: " << without_seed(o.strategy) << '\n';
  }
  if (o.depth_given && o.strategy != "pct") {
    std::cerr << program() << ": note: --depth is ignored: it is the bug depth of pct\n";
  }
}

std::unique_ptr<Strategy> make_strategy(const ExploreOptions& o) {
  if (o.preemptions && o.strategy != "dfs") {
    throw InputError("--preemptions bounds the dfs strategy; add --strategy dfs");
  }
  if (o.strategy == "random") return std::make_unique<RandomStrategy>(o.seed);
  if (o.strategy == "rr") return std::make_unique<RoundRobinStrategy>();
  if (o.strategy == "dpor") return std::make_unique<DporStrategy>();
  if (o.strategy == "dfs") return std::make_unique<DfsStrategy>(preemption_bound(o));
  if (o.strategy == "pct") {
    if (o.depth == 0) throw InputError("--depth must be at least 1 (the bug depth PCT targets)");
    return std::make_unique<PctStrategy>(o.seed, o.depth);
  }
  throw InputError("unknown strategy '" + o.strategy +
                   "' (strategies: dpor, dfs, random, pct, rr)");
}

/// Where a parallel search (--jobs J > 1) of random, rr or pct takes its executions (dpor and
/// dfs split their search tree instead).
std::unique_ptr<ExecutionSource> parallel_source(const ExploreOptions& o) {
  if (o.strategy == "random") {
    return indexed_source([seed = o.seed] { return std::make_unique<RandomStrategy>(seed); });
  }
  if (o.strategy == "rr") {
    return indexed_source([] { return std::make_unique<RoundRobinStrategy>(); });
  }
  INTERLEAVE_INTERNAL_CHECK(o.strategy == "pct", "a strategy without a parallel source");
  return pct_source(o.seed, o.depth);
}

/// The command line that reproduces this search exactly.
std::string explore_command_line(const ExploreOptions& o, const ParamValues& params) {
  std::string cmd = shell_quote(program()) + " explore " + shell_quote(o.choice.model) +
                    " --variant " + shell_quote(params.variant);
  for (const std::string& p : o.choice.params) cmd += " --param " + shell_quote(p);
  cmd += " --strategy " + o.strategy;
  if (o.strategy == "random" || o.strategy == "pct") cmd += " --seed " + std::to_string(o.seed);
  if (o.strategy == "pct") cmd += " --depth " + std::to_string(o.depth);
  if (o.preemptions) cmd += " --preemptions" + (o.preemptions->empty() ? "" : " " + *o.preemptions);
  if (o.executions > 0) cmd += " --executions " + std::to_string(o.executions);
  if (o.max_steps != ExploreOptions{}.max_steps) {
    cmd += " --max-steps " + std::to_string(o.max_steps);
  }
  return cmd;
}

/// What any trace of this search says: who saved it, the model, and the strategy.
Trace search_trace(const ExploreOptions& o, const ParamValues& params) {
  Trace t;
  t.program = program();
  t.model = o.choice.model;
  t.variant = params.variant;
  t.params = params.values;
  t.strategy = o.strategy;
  t.seed = o.seed;
  return t;
}

Trace make_trace(const ExploreOptions& o, const ParamValues& params, const BugRecord& bug,
                 const CapturedRun& run) {
  Trace t = search_trace(o, params);
  t.execution = bug.execution;
  t.threads = run.threads;
  t.schedule = run.schedule;
  t.random = bug.random;
  t.events = run.events;
  if (run.result.status == RunStatus::kStepLimit) t.max_steps = o.max_steps;
  t.preemptions = run.result.preemptions;
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
    if (o.strategy == "random" || o.strategy == "pct") out << ", seed " << o.seed;
    out << ") at step " << bug.finding.step << ", " << count_of(bug.preemptions, "preemption")
        << "; hit by " << bug.count << " of " << count_of(r.executions, "execution") << '\n';
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
    // The trace is the first bug's: say so where several are listed above.
    const std::string which = r.bugs.size() > 1 ? " (the first bug above)" : "";
    if (!o.save.empty()) {
      out << "  saved" << which << ": " << o.save << "\n  replay: " << shell_quote(program())
          << " replay " << shell_quote(o.save) << '\n';
    } else {
      out << "  reproduce" << which << ": " << explore_command_line(o, params)
          << " --save trace.json\n"
          << "  then:      " << shell_quote(program()) << " replay trace.json\n";
    }
    out << '\n';
  } else {
    out << "interleave: no bugs found in " << model.name << " (" << params.variant << ")"
        << (o.save.empty() ? "" : "; no trace saved to " + o.save) << "\n";
  }
  const double rate = r.elapsed_s > 0 ? static_cast<double>(r.executions) / r.elapsed_s : 0;
  out << "explored " << count_of(r.executions, "execution");
  if (r.blocked > 0) out << " (+" << r.blocked << " blocked by assume)";
  if (r.pruned > 0) out << " (+" << r.pruned << " cut short as redundant)";
  char figures[160];
  std::snprintf(figures, sizeof figures, " in %.3f s", r.elapsed_s);
  out << figures;
  if (r.executions > 0) {
    std::snprintf(figures, sizeof figures, " (%.0f executions/s), deepest %llu steps", rate,
                  static_cast<unsigned long long>(r.max_depth));
    out << figures;
  }
  const std::optional<uint32_t> bound = bound_of(o);
  if (r.complete && bound) {
    out << "; every interleaving with at most " << count_of(*bound, "preemption")
        << " was covered\n";
  } else if (r.complete) {
    out << "; the whole space was covered\n";
  } else if (r.strategy_exhausted) {
    out << "; " << o.strategy
        << " has no other schedules (each further one repeats the last), but that is not every "
           "interleaving\n";
  } else if (r.cancelled) {
    out << "; stopped by Ctrl-C\n";
  } else if (!r.bugs.empty() && !o.all) {
    out << "; stopped at the first bug (--all finds them all)\n";
  } else if (o.time_limit_s > 0 && r.elapsed_s >= o.time_limit_s) {
    std::snprintf(figures, sizeof figures, "; stopped by --time-limit %g s\n", o.time_limit_s);
    out << figures;
  } else {
    out << "; stopped at the budget of " << r.executions + r.blocked + r.pruned
        << " executions (--executions sets it)\n";
  }
}

/// Ctrl-C during a search: set by the handler, read by the search between executions.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

void on_interrupt(int) {
  g_interrupted.store(true, std::memory_order_relaxed);
}

/// While it lives (the search, explaining its bugs and printing them), the first Ctrl-C
/// (SIGINT) asks the search to stop and report what it has found; a second one ends the process
/// at once, as usual. Not where SIGINT is ignored (a command started in the background).
class InterruptStopsTheSearch {
 public:
  InterruptStopsTheSearch() {
    g_interrupted.store(false, std::memory_order_relaxed);
    if (::sigaction(SIGINT, nullptr, &before_) != 0 || before_.sa_handler == SIG_IGN) return;
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_RESTART;
    installed_ = ::sigaction(SIGINT, &action, nullptr) == 0;
  }
  ~InterruptStopsTheSearch() {
    if (installed_) ::sigaction(SIGINT, &before_, nullptr);
  }
  InterruptStopsTheSearch(const InterruptStopsTheSearch&) = delete;
  InterruptStopsTheSearch& operator=(const InterruptStopsTheSearch&) = delete;
  const std::atomic<bool>* flag() const { return installed_ ? &g_interrupted : nullptr; }

 private:
  struct sigaction before_ {};
  bool installed_ = false;
};

/// After a search that Ctrl-C stopped has reported: ends the process by SIGINT, so that the
/// shell that ran it stops too (a script's loop over models, say), as it would have at once.
void end_as_interrupted() {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::signal(SIGINT, SIG_DFL);
  std::raise(SIGINT);
}

}  // namespace

int explore_command(const ExploreOptions& o) {
  const ModelInfo& model = find_model(o.choice.model);
  const ParamValues params = resolve_params(model, o.choice.variant, o.choice.params);
  if (o.jobs == 0) throw InputError("--jobs must be at least 1 (the threads that explore)");
  if (o.jobs > kMaxJobs) {
    throw InputError("--jobs " + std::to_string(o.jobs) + ": at most " + std::to_string(kMaxJobs) +
                     " threads");
  }
  if (!o.save.empty()) {
    check_writable("--save", o.save);  // before the search, not after it
    // A model thread's stack overflow ends the process; --save keeps the run that overflowed.
    Trace head = search_trace(o, params);
    head.overflowed = true;
    save_overflowing_runs(o.save, trace_head_json(head));
  }
  // (Cleared when the search is over: a program that runs more commands saves nothing stale.)
  const struct ForgetSavePath {
    ~ForgetSavePath() { save_overflowing_runs({}, {}); }
  } forget_save_path;
  std::unique_ptr<Strategy> strategy = make_strategy(o);
  note_ignored_options(o);
  const ModelRunners runners = model.bind(params);

  interleave::ExploreOptions search;
  const bool exhaustive = o.strategy == "dpor" || o.strategy == "dfs";
  search.max_executions = o.executions > 0 ? o.executions
                          : exhaustive     ? std::numeric_limits<uint64_t>::max()
                                           : 1000;
  search.time_limit_s = o.time_limit_s;
  search.all = o.all;
  search.execution.step_limit = o.max_steps;
  search.execution.resumable = model.resumable;
  const bool progress = ::isatty(STDERR_FILENO) != 0;
  if (progress) {  // a terminal only: nothing on a pipe or in CI
    search.on_progress = [](const ExploreProgress& p) {
      std::fprintf(stderr, "\r  %llu executions, %.0f/s, %llu bug%s, %.1f s   ",
                   static_cast<unsigned long long>(p.executions),
                   p.elapsed_s > 0 ? static_cast<double>(p.executions) / p.elapsed_s : 0.0,
                   static_cast<unsigned long long>(p.bugs), p.bugs == 1 ? "" : "s", p.elapsed_s);
    };
  }
  // Lean while searching; every distinct bug is then re-run once with everything explained.
  const CheckerOptions lean{.races = true, .lock_order = true, .explain = false};
  ExploreResult r;
  const MonitorFactory checkers = [&lean] { return std::make_unique<Checker>(lean); };
  const InterruptStopsTheSearch interrupt;
  search.cancel = interrupt.flag();
  if (o.jobs > 1 && o.strategy == "dpor") {
    r = explore_dpor_parallel(runners.sim, search, o.jobs, checkers);
  } else if (o.jobs > 1 && o.strategy == "dfs") {
    r = explore_dfs_parallel(runners.sim, search, preemption_bound(o), o.jobs, checkers);
  } else if (o.jobs > 1) {
    std::unique_ptr<ExecutionSource> source = parallel_source(o);
    r = explore_parallel(runners.sim, *source, search, o.jobs, checkers);
  } else {
    Checker checker(lean);
    r = explore(runners.sim, *strategy, search, &checker);
  }
  if (progress && r.elapsed_s >= 0.1) std::fprintf(stderr, "\r\033[K");  // clear the line
  if (!r.error.empty()) {
    std::cerr << program() << ": internal error: " << r.error << '\n';
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
    const std::optional<uint32_t> bound = bound_of(o);
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
        {"seed", without_seed(o.strategy) == nullptr ? nlohmann::ordered_json(o.seed) : nullptr},
        {"preemption_bound", bound ? nlohmann::ordered_json(*bound) : nullptr},
        {"executions", r.executions},
        {"blocked", r.blocked},
        {"pruned", r.pruned},
        {"complete", r.complete},
        {"interrupted", r.cancelled},
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
  // A Ctrl-C that came too late to stop the search (in its last execution, or while the bugs
  // were explained and saved) did not go unheard either.
  if (r.cancelled || g_interrupted.load(std::memory_order_relaxed)) end_as_interrupted();
  return have_bug ? kExitBug : kExitClean;
}

}  // namespace interleave::cli
