// interleave: the command line. Parses, dispatches, and maps bad input to one line and exit 2.
#include "cli/command_line.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "sim/input_error.hpp"

namespace interleave {
namespace {

using cli::kExitInput;
using cli::program;

/// Checks of an option's text, each saying in words what it expects (CLI11's own ranges print
/// their bounds as doubles: "not in range 0.000000 to 1797693134862...").
/// A whole number from `min` to `max`.
CLI::Validator whole_number(uint64_t min, uint64_t max = UINT64_MAX) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        const std::string expects =
            "expects a whole number " +
            (max >= static_cast<uint64_t>(INT64_MAX)
                 ? "of at least " + std::to_string(min)
                 : "from " + std::to_string(min) + " to " + std::to_string(max)) +
            ", not '" + text + "'";
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
          return expects;
        }
        errno = 0;
        const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
        if (errno == ERANGE || value < min || value > max) return expects;
        return {};
      },
      "");
}

/// A few of CLI11's messages in the words the rest of ours use.
std::string plain_words(std::string what) {
  const auto colon = what.find(": ");
  const std::string option = colon == std::string::npos ? what : what.substr(0, colon);
  if (what.find("At Most 1 required but received") != std::string::npos) {
    return option + ": given more than once";
  }
  if (what.find(" required ") != std::string::npos && what.ends_with(" missing")) {
    return option + ": expects a value";
  }
  if (what == "A subcommand is required") return "a command is required";
  return what;
}

/// A file name: not empty.
CLI::Validator file_name() {
  return CLI::Validator(
      [](std::string& text) -> std::string { return text.empty() ? "expects a file name" : ""; },
      "");
}

/// A number of seconds (or another amount) above 0, or (`zero_ok`) at least 0.
CLI::Validator amount(bool zero_ok) {
  return CLI::Validator(
      [zero_ok](std::string& text) -> std::string {
        const std::string expects = std::string("expects a number ") +
                                    (zero_ok ? "of at least 0" : "greater than 0") + ", not '" +
                                    text + "'";
        char* end = nullptr;
        errno = 0;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || errno == ERANGE || !(value == value) || value > 1e15 ||
            (zero_ok ? value < 0 : value <= 0)) {
          return expects;
        }
        return {};
      },
      "");
}

void add_model_choice(CLI::App& cmd, cli::ModelChoice& choice) {
  cmd.add_option("model", choice.model, "model name (see '" + program() + " list')")
      ->type_name("MODEL")
      ->required();
  cmd.add_option("--variant", choice.variant, "model variant (default: the model's first)")
      ->type_name("V");
  cmd.add_option("--param", choice.params, "set a model parameter, NAME=VALUE (repeatable)")
      ->type_name("K=V")
      ->take_all()
      ->allow_extra_args(false);
}

}  // namespace

int run_command_line(int argc, char** argv) {
  if (argc > 0 && argv[0] != nullptr && argv[0][0] != '\0') {
    cli::set_program(std::filesystem::path(argv[0]).filename().string());
  }
  CLI::App app{
      "interleave: a deterministic concurrency simulator and race detector for C++.\n"
      "Exit codes: 0 nothing found, 1 a bug was found, 2 bad usage or input."};
  app.name(program());
  app.require_subcommand(1);
  app.set_version_flag("--version", "interleave " INTERLEAVE_VERSION);

  bool list_json = false;
  CLI::App* list = app.add_subcommand("list", "list the models, their variants and params");
  list->add_flag("--json", list_json, "print one JSON object");

  cli::ExploreOptions explore;
  CLI::App* ex =
      app.add_subcommand("explore", "run many schedules of a model and report the bugs they reach");
  add_model_choice(*ex, explore.choice);
  ex->add_option("--strategy", explore.strategy,
                 "dpor (exhaustive, one execution per trace), dfs (every interleaving), random "
                 "(seeded), pct (probabilistic concurrency testing), rr (round-robin)")
      ->type_name("NAME")
      ->capture_default_str();
  CLI::Option* preemptions =
      ex->add_option("--preemptions", explore.preemptions,
                     "dfs: bound the preemptions at K, raising it 0, 1, ... K so the first bug has "
                     "the fewest; alone: raise it until a bug or the budget ends")
          ->type_name("K")
          ->expected(0, 1);
  CLI::Option* depth = ex->add_option("--depth", explore.depth, "pct: the bug depth d to target")
                           ->type_name("D")
                           ->check(whole_number(1, UINT32_MAX))
                           ->capture_default_str();
  ex->add_option("--executions", explore.executions,
                 "at most this many executions (default: all for dpor and dfs, 1000 for random, "
                 "pct and rr)")
      ->type_name("N")
      ->check(whole_number(1));
  ex->add_option("--jobs", explore.jobs,
                 "explore on J threads, 1 to 256; every J gives the same executions, counts and "
                 "bugs. dpor and dfs split their tree between the threads; random, rr and pct "
                 "run executions ahead on other threads, keeping those too short to gain (under "
                 "~10 us) on one")
      ->type_name("J")
      ->check(whole_number(1, cli::kMaxJobs))
      ->capture_default_str();
  CLI::Option* seed =
      ex->add_option("--seed", explore.seed, "seed of the random and pct strategies")
          ->type_name("S")
          ->check(whole_number(0))
          ->capture_default_str();
  ex->add_option("--max-steps", explore.max_steps,
                 "steps after which a run counts as never ending (step_limit)")
      ->type_name("N")
      ->check(whole_number(1))
      ->capture_default_str();
  ex->add_option("--time-limit", explore.time_limit_s,
                 "stop after this many seconds (default 0: no limit)")
      ->type_name("SECONDS")
      ->check(amount(true));
  ex->add_flag("--all", explore.all, "explore everything; list every distinct bug with its count");
  ex->add_option("--save", explore.save, "write the first failing run as a trace to FILE")
      ->check(file_name())
      ->type_name("FILE");
  ex->add_flag("--json", explore.json, "print one JSON object");

  cli::ReplayOptions replay;
  CLI::App* re = app.add_subcommand("replay", "re-run a saved trace exactly and print it");
  re->add_option("trace", replay.trace, "trace file written by 'explore --save'")
      ->type_name("TRACE.json")
      ->required();
  re->add_flag(
      "--check", replay.check,
      "re-derive the findings from the trace's recorded events alone (no model code runs)");
  re->add_flag("--timeline", replay.timeline,
               "include the timeline's events in --json output (the human replay always prints its "
               "timeline)");
  re->add_flag("--json", replay.json, "print one JSON object");

  cli::SimulateOptions simulate;
  CLI::App* si = app.add_subcommand(
      "simulate", "run a model in virtual time under a preemption policy (heartbeat timing)");
  add_model_choice(*si, simulate.choice);
  si->add_option("--policy", simulate.policy,
                 "preemptive, gil (Python-like switch interval) or cooperative (asyncio-like); "
                 "default: gil, cooperative for the cooperative variant")
      ->type_name("NAME");
  si->add_option("--fairness", simulate.fairness,
                 "barging (an unlocking thread may take the mutex back) or fifo")
      ->type_name("NAME")
      ->capture_default_str();
  si->add_option("--duration", simulate.duration_s,
                 "virtual seconds to simulate (above 0, at most 3600)")
      ->type_name("SECONDS")
      ->check(amount(false))
      ->capture_default_str();
  si->add_option("--switch-interval", simulate.switch_interval_ms, "gil: switch interval in ms")
      ->type_name("MS")
      ->check(amount(false))
      ->capture_default_str();
  si->add_option("--seed", simulate.seed, "seed of the scheduling choices")
      ->type_name("S")
      ->check(whole_number(0))
      ->capture_default_str();
  si->add_option("--op-cost", simulate.op_cost_ns,
                 "virtual ns per visible operation (at least 1: time must pass)")
      ->type_name("NS")
      ->check(whole_number(1, INT64_MAX))
      ->capture_default_str();
  si->add_option("--work-cost", simulate.work_cost_ns, "virtual ns per unit of model work")
      ->type_name("NS")
      ->check(whole_number(0, INT64_MAX))
      ->capture_default_str();
  si->add_option("--wake-latency", simulate.wake_latency_ns,
                 "barging: a woken waiter needs up to this many ns to run (seeded)")
      ->type_name("NS")
      ->check(whole_number(0, INT64_MAX))
      ->capture_default_str();
  si->add_flag("--compare", simulate.compare,
               "run every variant (each under its natural policy unless --policy is given) and "
               "show them side by side");
  si->add_option("--plot", simulate.plot, "draw the heartbeat times as an SVG file")
      ->check(file_name())
      ->type_name("FILE.svg");
  si->add_option("--save", simulate.save, "write the timed run as a trace (replay follows it)")
      ->check(file_name())
      ->type_name("FILE");
  si->add_flag("--json", simulate.json, "print one JSON object");

  cli::NativeOptions native;
  CLI::App* na = app.add_subcommand("native", "run a model on real threads (std::thread)");
  add_model_choice(*na, native.choice);
  na->add_option("--duration", native.duration_s,
                 "seconds a looping model runs (counter/heartbeat loops until then)")
      ->type_name("SECONDS")
      ->check(amount(false))
      ->capture_default_str();
  na->add_option("--timeout", native.timeout_s,
                 "seconds every thread may stay blocked before the run is reported as a "
                 "deadlock and ended (0: wait forever)")
      ->type_name("SECONDS")
      ->check(amount(true))
      ->capture_default_str();
  na->add_flag("--json", native.json, "print one JSON object");

  cli::ExportOptions exporting;
  CLI::App* xp = app.add_subcommand(
      "export", "draw a saved trace: perfetto (open at https://ui.perfetto.dev) or dot (Graphviz)");
  xp->add_option("trace", exporting.trace, "trace file written by 'explore --save'")
      ->type_name("TRACE.json")
      ->required();
  xp->add_option("--format", exporting.format,
                 "perfetto (Chrome JSON trace events: a track per thread, a step per "
                 "microsecond) or dot (a graph of the steps and what orders them)")
      ->type_name("FORMAT")
      ->required();
  xp->add_option("-o,--output", exporting.output, "write to FILE (default: standard output)")
      ->check(file_name())
      ->type_name("FILE");

  cli::CrosscheckOptions cross;
  CLI::App* cc = app.add_subcommand(
      "crosscheck",
      "compare the simulator's race verdict with ThreadSanitizer's on native runs, for every "
      "model and variant (needs the tsan build)");
  cc->add_option("model", cross.model, "only this model (default: every model)")
      ->type_name("MODEL");
  cc->add_option("--variant", cross.variant, "only this variant of MODEL")->type_name("V");
  cc->add_option("--duration", cross.duration_s, "seconds a looping model runs natively")
      ->type_name("SECONDS")
      ->check(amount(false))
      ->capture_default_str();
  cc->add_option("--timeout", cross.timeout_s, "native deadlock-by-timeout, in seconds")
      ->type_name("SECONDS")
      ->check(amount(false))
      ->capture_default_str();
  cc->add_option("--attempts", cross.attempts,
                 "native runs of a racy variant before concluding TSan sees no race")
      ->type_name("N")
      ->check(whole_number(1, UINT32_MAX))
      ->capture_default_str();
  cc->add_flag("--json", cross.json, "print one JSON object");

  if (argc > 1 && argv[1][0] == '-') {
    // Options of the program itself: the help and the version; any other comes after a command.
    const std::string_view word = argv[1];
    if (word != "-h" && word != "--help" && word != "--version") {
      std::cerr << program() << ": unknown option '" << word << "': a command comes first (see '"
                << program() << " --help')\n";
      return kExitInput;
    }
  }
  if (argc > 1 && argv[1][0] != '-') {
    // CLI11 would only say "a subcommand is required"; name the word it did not know.
    const std::string word = argv[1];
    bool known = false;
    std::string names;
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      known |= sub->get_name() == word;
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      std::cerr << program() << ": unknown command '" << word << "' (commands: " << names << ")\n";
      return kExitInput;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = plain_words(e.what());
    if (what.empty()) what = e.get_name();
    // Point at the help of the command being parsed, which lists its options.
    std::string help = program() + " --help";
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      if (sub->parsed()) help = program() + " " + sub->get_name() + " --help";
    }
    std::cerr << program() << ": " << what << " (see '" << help << "')\n";
    return kExitInput;
  }

  if (preemptions->count() > 0 && !explore.preemptions) explore.preemptions = std::string();
  try {
    if (*list) return cli::list_command(list_json);
    if (*ex) {
      explore.seed_given = seed->count() > 0;
      explore.depth_given = depth->count() > 0;
      return cli::explore_command(explore);
    }
    if (*re) return cli::replay_command(replay);
    if (*na) return cli::native_command(native);
    if (*cc) return cli::crosscheck_command(cross);
    if (*si) return cli::simulate_command(simulate);
    if (*xp) return cli::export_command(exporting);
  } catch (const interleave::InputError& e) {
    std::cerr << program() << ": " << e.what() << '\n';
    return kExitInput;
  }
  return kExitInput;
}

}  // namespace interleave
