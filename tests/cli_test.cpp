// The command line as users and the acceptance checks run it: results, exit codes, bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>

#include "sim/fiber_sanitizer.hpp"
#include "tests/cli_support.hpp"

namespace interleave {
namespace {

using testing::path_in_scratch;
using testing::run_cli;
using testing::scratch_dir;

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// ---- acceptance: explore, save, replay ----

TEST(Cli, ExploreNaiveFindsTheBugAndReplayReproducesIt) {
  const std::string trace = path_in_scratch("naive.json");
  const auto found =
      run_cli("explore counter_heartbeat --variant naive --strategy random --seed 1 --save " +
              trace + " --json");
  ASSERT_EQ(found.code, 1) << found.err;
  const auto j = found.json();
  ASSERT_FALSE(j["bugs"].empty());
  const auto& bug = j["bugs"][0];
  EXPECT_EQ(j["model"], "counter_heartbeat");
  EXPECT_EQ(j["variant"], "naive");
  EXPECT_EQ(j["complete"], false);
  EXPECT_EQ(bug["execution"], 1);
  EXPECT_EQ(bug["count"], 1);
  ASSERT_TRUE(std::filesystem::exists(trace));

  const auto replayed = run_cli("replay " + trace + " --json");
  ASSERT_EQ(replayed.code, 1) << replayed.err;
  const auto r = replayed.json();
  ASSERT_FALSE(r["bugs"].empty());
  EXPECT_EQ(r["bugs"][0]["kind"], bug["kind"]);
  EXPECT_EQ(r["bugs"][0]["message"], bug["message"]);
  EXPECT_EQ(r["bugs"][0]["steps"], bug["steps"]);
  EXPECT_EQ(r["bugs"][0]["preemptions"], bug["preemptions"]);

  // Checked offline (no model code runs), the preemptions come from the trace.
  const auto checked = run_cli("replay " + trace + " --check --json");
  ASSERT_EQ(checked.code, 1) << checked.err;
  const auto c = checked.json();
  ASSERT_FALSE(c["bugs"].empty());
  EXPECT_EQ(c["bugs"][0]["preemptions"], bug["preemptions"]);
}

TEST(Cli, ExploreAllListsEachDistinctBugOnceWithItsCount) {
  const auto r = run_cli(
      "explore counter_heartbeat --variant naive --strategy random --seed 1 --all --executions "
      "1000 --json");
  ASSERT_EQ(r.code, 1) << r.err;
  const auto j = r.json();
  EXPECT_EQ(j["executions"], 1000);
  std::set<std::string> keys;
  bool invariant = false;
  for (const auto& b : j["bugs"]) {
    invariant |= b["kind"] == "invariant";
    EXPECT_TRUE(keys.insert(b["kind"].get<std::string>() + b["message"].get<std::string>()).second)
        << "listed twice: " << b;
    EXPECT_GE(b["count"].get<int>(), 1);
    EXPECT_LE(b["count"].get<int>(), 1000);
  }
  EXPECT_TRUE(invariant);
}

class CorrectVariant : public ::testing::TestWithParam<const char*> {};

TEST_P(CorrectVariant, StaysCleanOverTenThousandRandomExecutions) {
  const auto r = run_cli(std::string("explore counter_heartbeat --variant ") + GetParam() +
                         " --strategy random --seed 1 --executions 10000 --json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto j = r.json();
  EXPECT_EQ(j["executions"], 10000);
  EXPECT_TRUE(j["bugs"].empty());
}

INSTANTIATE_TEST_SUITE_P(CounterHeartbeat, CorrectVariant,
                         ::testing::Values("locked", "locked_yield", "cooperative"));

TEST(Cli, HumanReportShowsTheBugTheStepsAndTheReplayCommand) {
  const std::string trace = path_in_scratch("human.json");
  const auto r = run_cli("explore counter_heartbeat --variant naive --seed 3 --save " + trace);
  ASSERT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("interleave: INVARIANT VIOLATED: check failed: all values are equal at "
                       "models/counter_heartbeat.hpp:"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("last steps before it:"), std::string::npos);
  EXPECT_NE(r.out.find("replay: interleave replay " + trace), std::string::npos);
}

TEST(Cli, SameSeedGivesIdenticalOutput) {
  const std::string cmd =
      "explore counter_heartbeat --variant naive --seed 5 --all --executions 300 --json";
  auto a = run_cli(cmd).json();
  auto b = run_cli(cmd).json();
  for (auto* j : {&a, &b}) {
    j->erase("elapsed_s");
    j->erase("executions_per_s");
  }
  EXPECT_EQ(a, b);
}

TEST(Cli, ReplayPrintsATimeline) {
  const std::string trace = path_in_scratch("timeline.json");
  ASSERT_EQ(run_cli("explore counter_heartbeat --variant naive --save " + trace).code, 1);
  const auto r = run_cli("replay " + trace);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("step  thread"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("counter    store      values[0]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAILED"), std::string::npos);
  // --timeline asks for what the human replay always prints.
  const auto with = run_cli("replay " + trace + " --timeline");
  EXPECT_EQ(with.code, 1) << with.err;
  EXPECT_EQ(with.out, r.out);
}

TEST(Cli, ReplayThatNoLongerMatchesIsNondeterminism) {
  const std::string trace = path_in_scratch("tampered.json");
  ASSERT_EQ(run_cli("explore counter_heartbeat --variant naive --save " + trace).code, 1);
  std::string text = testing::read_file(trace);
  // Claim a different value was stored at the first event: the replay must notice.
  const auto at = text.find("\"value\":0");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 9, "\"value\":7");
  write(trace, text);
  const auto r = run_cli("replay " + trace + " --json");
  ASSERT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.json()["bugs"][0]["kind"], "nondeterminism");
  EXPECT_NE(r.json()["bugs"][0]["message"].get<std::string>().find("event 0 differs"),
            std::string::npos);
}

TEST(Cli, NondeterminismIsReportedAtTheStepWhereTheRunDiffers) {
  const std::string trace = path_in_scratch("tampered_later.json");
  ASSERT_EQ(run_cli("explore counter_heartbeat --variant naive --save " + trace).code, 1);
  nlohmann::json t = nlohmann::json::parse(testing::read_file(trace));
  ASSERT_GT(t["events"].size(), 6u);
  const uint64_t step = t["events"][5]["step"];
  t["events"][5]["value"] = 99;
  write(trace, t.dump());
  const auto r = run_cli("replay " + trace + " --json");
  ASSERT_EQ(r.code, 1) << r.err;
  const auto bug = r.json()["bugs"][0];
  EXPECT_EQ(bug["kind"], "nondeterminism");
  EXPECT_EQ(bug["steps"], step) << bug;
  EXPECT_NE(bug["message"].get<std::string>().find("event 5 differs"), std::string::npos) << bug;
}

/// Runs `command --save TRACE` (expecting a bug), replays TRACE and returns the replay's only bug.
nlohmann::json only_bug_of_replay(const std::string& command, const std::string& name) {
  const std::string trace = path_in_scratch(name);
  EXPECT_EQ(run_cli(command + " --save " + trace).code, 1) << command;
  const auto r = run_cli("replay " + trace + " --json");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const auto bugs = r.json()["bugs"];
  EXPECT_EQ(bugs.size(), 1u) << r.out;
  return bugs.empty() ? nlohmann::json::object() : bugs[0];
}

TEST(Cli, ReplayOfAStepLimitTraceStopsWhereTheSearchDid) {
  const auto bug =
      only_bug_of_replay("explore bank_transfer --variant locked --max-steps 5", "step_limit.json");
  EXPECT_EQ(bug["kind"], "step_limit");
  EXPECT_EQ(bug["steps"], 5);
}

TEST(Cli, ReplayOfARunThatFailedACheckAndThenHitTheStepLimit) {
  // The trace's verdict is the failed check; the run then went on to its --max-steps.
  const std::string trace = path_in_scratch("check_then_limit.json");
  ASSERT_EQ(run_cli("explore counter_heartbeat --variant naive --param rounds=0 --max-steps 2000 "
                    "--save " +
                    trace)
                .code,
            1);
  const auto r = run_cli("replay " + trace + " --json");
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  std::set<std::string> kinds;
  const nlohmann::json j = r.json();  // (a range-for would not keep a temporary alive)
  for (const auto& b : j["bugs"]) {
    kinds.insert(b["kind"].get<std::string>());
    if (b["kind"] == "step_limit") {
      EXPECT_EQ(b["steps"], 2000);
    }
  }
  EXPECT_TRUE(kinds.count("invariant") == 1 && kinds.count("step_limit") == 1) << r.out;
  EXPECT_EQ(kinds.count("nondeterminism"), 0u) << r.out;
}

TEST(Cli, TimedReplayFindsTheRaceTheSimulationFound) {
  const std::string command = "simulate races --variant unsynchronized --duration 1";
  const auto bug = only_bug_of_replay(command, "timed_race.json");
  EXPECT_EQ(bug["kind"], "data_race");
  // The same bugs list as explore's: the replay's preemptions are the simulation's.
  const auto simulated = run_cli(command + " --json");
  ASSERT_EQ(simulated.code, 1) << simulated.err;
  const auto j = simulated.json();
  ASSERT_EQ(j["bugs"].size(), 1u) << simulated.out;
  ASSERT_TRUE(j["bugs"][0]["preemptions"].is_number_unsigned()) << simulated.out;
  EXPECT_EQ(bug["preemptions"], j["bugs"][0]["preemptions"]);
}

TEST(Cli, ReplayCheckReportsTheVerdictsEventsCannotShow) {
  // A deadlock is judged by the scheduler; the events show only who never finished.
  const auto r = run_cli("replay " + std::string(INTERLEAVE_SOURCE_DIR) +
                         "/traces/wakeup-notify_first-deadlock.json --check");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("DEADLOCK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("'main', 'consumer' unfinished"), std::string::npos) << r.out;
}

TEST(Cli, SimulateReportsDataRaces) {
  // Timed runs are watched by the race checker like every search.
  const auto racy = run_cli("simulate races --variant unsynchronized --json");
  EXPECT_EQ(racy.code, 1) << racy.out << racy.err;
  const auto bugs = racy.json()["bugs"];
  ASSERT_EQ(bugs.size(), 1u) << racy.out;
  EXPECT_EQ(bugs[0]["kind"], "data_race");
  // Its correct twin stays clean.
  const auto clean = run_cli("simulate races --variant one_mutex --json");
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
  EXPECT_TRUE(clean.json()["bugs"].empty()) << clean.out;
  // A model without heartbeats: no empty heartbeat summary, and a clean run says so.
  const auto human = run_cli("simulate races --variant one_mutex --duration 1");
  EXPECT_NE(human.out.find("for 1 virtual second:"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("interleave: the run is clean"), std::string::npos) << human.out;
  EXPECT_EQ(human.out.find("heartbeats 0"), std::string::npos) << human.out;
}

TEST(Cli, ACleanSearchSaysItSavedNothing) {
  const std::string trace = path_in_scratch("never.json");
  const auto r = run_cli("explore counter_heartbeat --variant locked --save " + trace);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("no trace saved to " + trace), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(trace));
  EXPECT_NE(r.out.find("stopped at the budget of 1000 executions"), std::string::npos) << r.out;
}

TEST(Cli, VersionIsPrinted) {
  const auto r = run_cli("--version");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("interleave ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find('.'), std::string::npos) << r.out;
}

TEST(Cli, ListShowsModelsVariantsAndParams) {
  const auto r = run_cli("list --json");
  ASSERT_EQ(r.code, 0);
  const auto j = r.json();
  const auto& m = j["models"][0];
  EXPECT_EQ(m["name"], "counter_heartbeat");
  std::set<std::string> buggy;
  for (const auto& v : m["variants"]) {
    if (v["buggy"]) buggy.insert(v["name"]);
  }
  EXPECT_EQ(buggy, std::set<std::string>{"naive"});
  std::set<std::string> params;
  for (const auto& p : m["params"]) params.insert(p["name"]);
  EXPECT_EQ(params, (std::set<std::string>{"size", "rounds", "beats", "period"}));
  // Whole numbers are JSON integers (3, not 3.0); a fraction stays one.
  for (const auto& p : m["params"]) {
    if (p["name"] == "size") {
      EXPECT_TRUE(p["default"].is_number_integer()) << p;
      EXPECT_TRUE(p["max"].is_number_integer()) << p;
    }
    if (p["name"] == "period") {
      EXPECT_TRUE(p["min"].is_number_float()) << p;
    }
  }
  // And people read them the same way: 10000000, not 1e+07.
  const auto human = run_cli("list");
  EXPECT_NE(human.out.find("--param size=3  (1..10000000"), std::string::npos) << human.out;
}

// ---- native ----

TEST(Cli, NativeLockedPrintsHeartbeatsAndExitsClean) {
  const auto r =
      run_cli("native counter_heartbeat --variant locked --param period=0.2 --duration 1");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  // A heartbeat line with its time ("All values are 12 at +0.20 s"), even when the only one the
  // starved heartbeat managed came after the duration (and says so).
  EXPECT_NE(r.out.find("All values are "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" at +"), std::string::npos) << r.out;
}

TEST(Cli, NativeNaiveReportsTheFailedCheck) {
  // Natively the race shows only when the heartbeat's scan overlaps a pass at the right relative
  // speed (a loaded machine can hide it for a whole run): try a few short runs.
  // Under ThreadSanitizer the race itself is reported too, and TSan exits 66 after a report.
  const int bug_exit = fiber_sanitizer::kThread ? 66 : 1;
  testing::CliResult r;
  for (int attempt = 0; attempt < 5 && (r.code != bug_exit || r.out.find("VIOLATED") == r.out.npos);
       ++attempt) {
    r = run_cli("native counter_heartbeat --variant naive --param period=0.05 --duration 1");
  }
  EXPECT_EQ(r.code, bug_exit) << r.out << r.err;
  EXPECT_NE(r.out.find("INVARIANT VIOLATED: check failed: all values are equal"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("first in thread 'heartbeat'"), std::string::npos);
}

TEST(Cli, SimulateSummarisesOnlyTheHeartbeatsWithinTheDuration) {
  const auto r = run_cli(
      "simulate counter_heartbeat --variant locked --duration 0.2 --param size=1000 "
      "--param period=0.06 --json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto j = r.json();
  std::size_t within = 0;
  std::size_t late = 0;
  for (const auto& beat : j["heartbeats"]) {
    const bool after = beat["t"].get<double>() > 0.2;
    EXPECT_EQ(beat["after_duration"], after) << beat;
    (after ? late : within) += 1;
  }
  EXPECT_GE(within, 2u);
  EXPECT_EQ(late, 1u);  // the beat under way when the duration ended
  EXPECT_EQ(j["summary"]["heartbeats"], within);
}

TEST(Cli, EveryReplayFormGivesParamsAndEveryBugItsPreemptions) {
  // Offline, from a trace that recorded no preemption count: null, not a missing key.
  const auto offline = run_cli("replay " + std::string(INTERLEAVE_SOURCE_DIR) +
                               "/traces/dining_philosophers-naive-lock_order.json --check --json");
  ASSERT_EQ(offline.code, 1) << offline.err;
  const auto o = offline.json();
  EXPECT_EQ(o["params"]["seats"], 3) << o;
  ASSERT_FALSE(o["bugs"].empty());
  for (const auto& b : o["bugs"]) {
    ASSERT_TRUE(b.contains("preemptions")) << b;
    EXPECT_TRUE(b["preemptions"].is_null()) << b;
  }
  // Timed: the params, and heartbeats as simulate gives them.
  const std::string trace = path_in_scratch("timed_naive.json");
  const auto simulated = run_cli(
      "simulate counter_heartbeat --variant naive --duration 0.2 --param size=1000 "
      "--param period=0.06 --json --save " +
      trace);
  ASSERT_EQ(simulated.code, 1) << simulated.err;
  const auto timed = run_cli("replay " + trace + " --json");
  ASSERT_EQ(timed.code, 1) << timed.err;
  const auto t = timed.json();
  EXPECT_EQ(t["params"]["size"], 1000) << t;
  const auto s = simulated.json();
  ASSERT_EQ(t["heartbeats"].size(), s["heartbeats"].size()) << t;
  for (std::size_t i = 0; i < s["heartbeats"].size(); ++i) {
    EXPECT_EQ(t["heartbeats"][i]["violation"], s["heartbeats"][i]["violation"]) << i;
  }
}

TEST(Cli, NativeFiniteRunJson) {
  const auto r = run_cli(
      "native counter_heartbeat --variant cooperative --param size=1000 --param rounds=3 "
      "--param period=0.01 --json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto j = r.json();
  EXPECT_TRUE(j["bugs"].empty());
  EXPECT_EQ(j["notes"].size(), 3u);
}

// ---- bad input: one line on stderr, exit 2, never a crash ----

struct BadInput {
  const char* name;
  std::function<std::string()> args;  // built when the test runs (it may write a file)
  const char* says;                   // a phrase the one-line error must contain
};

class BadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputTest, OneClearLineAndExitTwo) {
  const BadInput& c = GetParam();
  const auto r = run_cli(c.args());
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(r.err_lines(), 1) << r.err;
  EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

std::string trace_file(const std::string& name, const std::string& text) {
  const std::string path = path_in_scratch(name);
  write(path, text);
  return path;
}

std::string valid_trace_text() {
  return R"({"format":"interleave-trace","version":1,"model":"counter_heartbeat",)"
         R"("variant":"naive","params":{"size":2,"rounds":1},"mode":"untimed",)"
         R"("schedule":[0,0,0,0,1,1,1,1,2,2,2,0,0]})";
}

std::vector<BadInput> bad_inputs() {
  std::string t = valid_trace_text();
  std::string other_version = t;
  other_version.replace(other_version.find("\"version\":1"), 11, "\"version\":9");
  std::string other_model = t;
  other_model.replace(other_model.find("counter_heartbeat"), 17, "no_such_model");
  std::string numbered_program = t;
  numbered_program.replace(numbered_program.find("\"model\""), 7, "\"program\": 5, \"model\"");
  std::string negative_preemptions = t;
  negative_preemptions.replace(negative_preemptions.find("\"model\""), 7,
                               "\"preemptions\": -1, \"model\"");
  std::string too_long = t;
  too_long.replace(too_long.find("2,0,0]"), 6, "2,0,0,0,0]");
  std::string bad_thread = t;
  bad_thread.replace(bad_thread.find("[0,0,0,0,1"), 10, "[0,0,0,0,7");
  std::string blocked_thread = t;  // main, to join a counter that has not run
  blocked_thread.replace(blocked_thread.find("[0,0,0,0,1"), 10, "[0,0,0,0,0");
  std::string step_a_word = t;
  step_a_word.replace(step_a_word.find("\"schedule\""), 10,
                      R"("events":[{"step":"x","op":"store"}],"schedule")");
  std::string unknown_order = t;
  unknown_order.replace(
      unknown_order.find("\"schedule\""), 10,
      R"("events":[{"step":0,"op":"atomic_store","order":"eventual"}],"schedule")");
  std::string events_a_word = t;
  events_a_word.replace(events_a_word.find("\"schedule\""), 10, R"("events":"abc","schedule")");
  std::string huge_thread = t;
  huge_thread.replace(huge_thread.find("[0,0,0,0,1"), 10, "[0,0,0,0,1099511627777");
  std::string free_ops = t;
  free_ops.replace(free_ops.find("\"mode\":\"untimed\""), 16,
                   R"("mode":"timed","timing":{"policy":"gil","fairness":"barging",)"
                   R"("op_cost_ns":0})");
  std::string word_seed = t;
  word_seed.replace(word_seed.find("\"schedule\""), 10,
                    R"("strategy":{"name":"random","seed":"x"},"schedule")");
  return {
      {"EventStepNotANumber", [=] { return "replay " + trace_file("step.json", step_a_word); },
       "an event's field \"step\" is \"x\", not a whole number"},
      {"EventWithAnUnknownMemoryOrder",
       [=] { return "replay " + trace_file("order.json", unknown_order); },
       "event with unknown memory order eventual"},
      {"EventsNotAList", [=] { return "replay " + trace_file("events.json", events_a_word); },
       "field \"events\" has the wrong type"},
      {"ThreadNumberBeyondAThreadId",
       [=] { return "replay " + trace_file("huge.json", huge_thread); },
       "schedule entry 1099511627777 is not a thread number"},
      {"TimedTraceWhoseOperationsCostNothing",
       [=] { return "replay " + trace_file("free.json", free_ops); },
       "timing: op_cost_ns is 0, below 1"},
      {"SeedNotANumber", [=] { return "replay " + trace_file("seed.json", word_seed); },
       "strategy field \"seed\" is \"x\""},
      {"OperationsThatCostNothing", [=] { return "simulate counter_heartbeat --op-cost 0"; },
       "--op-cost: expects a whole number of at least 1, not '0'"},
      {"DurationNotANumber", [=] { return "simulate counter_heartbeat --duration nan"; },
       "--duration: expects a number greater than 0, not 'nan'"},
      {"UnknownModel", [=] { return "explore no_such_model"; }, "unknown model 'no_such_model'"},
      {"UnknownVariant", [=] { return "explore counter_heartbeat --variant sloppy"; },
       "unknown variant 'sloppy'"},
      {"UnknownParam", [=] { return "explore counter_heartbeat --param colour=3"; },
       "unknown param 'colour'"},
      {"ParamNotANumber", [=] { return "explore counter_heartbeat --param size=big"; },
       "'big' is not a number"},
      {"ParamOutOfRange", [=] { return "explore counter_heartbeat --param size=0"; },
       "out of range"},
      {"ParamNotWhole", [=] { return "explore counter_heartbeat --param size=2.5"; },
       "whole number"},
      {"ParamWithoutValue", [=] { return "explore counter_heartbeat --param size"; }, "NAME=VALUE"},
      {"UnknownStrategy", [=] { return "explore counter_heartbeat --strategy magic"; },
       "unknown strategy"},
      {"ZeroExecutions", [=] { return "explore counter_heartbeat --executions 0"; },
       "--executions: expects a whole number of at least 1, not '0'"},
      {"WordExecutions", [=] { return "explore counter_heartbeat --executions many"; },
       "not 'many' (see 'interleave explore --help')"},
      {"NegativeSeed", [=] { return "explore counter_heartbeat --seed -1"; },
       "--seed: expects a whole number of at least 0, not '-1'"},
      {"SeedTooBig", [=] { return "explore counter_heartbeat --seed 18446744073709551616"; },
       "--seed: expects a whole number"},
      {"NegativeTimeLimit", [=] { return "explore counter_heartbeat --time-limit -1"; },
       "--time-limit: expects a number of at least 0, not '-1'"},
      {"ZeroMaxSteps", [=] { return "explore counter_heartbeat --max-steps 0"; },
       "--max-steps: expects a whole number of at least 1"},
      {"ZeroNativeDuration", [=] { return "native counter_heartbeat --duration 0"; },
       "--duration: expects a number greater than 0, not '0' (see 'interleave native --help')"},
      {"NegativeNativeTimeout", [=] { return "native counter_heartbeat --timeout -1"; },
       "--timeout: expects a number of at least 0"},
      {"ZeroSwitchInterval", [=] { return "simulate counter_heartbeat --switch-interval 0"; },
       "--switch-interval: expects a number greater than 0"},
      {"CrosscheckOfAnUnknownModel", [=] { return "crosscheck nosuch"; }, "unknown model 'nosuch'"},
      {"CrosscheckVariantWithoutModel", [=] { return "crosscheck --variant naive"; },
       "--variant needs a MODEL"},
      {"ZeroAttempts", [=] { return "crosscheck --attempts 0"; },
       "--attempts: expects a whole number from 1 to"},
      {"UnknownOption", [=] { return "replay x.json --bogus"; },
       "--bogus (see 'interleave replay --help')"},
      {"NativeUnknownModel", [=] { return "native nope"; }, "unknown model 'nope'"},
      {"MissingTrace", [=] { return "replay " + path_in_scratch("absent.json"); }, "cannot open"},
      {"EmptyTrace", [=] { return "replay " + trace_file("empty.json", ""); }, "empty"},
      {"TruncatedTrace",
       [=] { return "replay " + trace_file("truncated.json", t.substr(0, t.size() / 2)); },
       "not valid JSON"},
      {"NotJson", [=] { return "replay " + trace_file("text.json", "hello, world\n"); },
       "not valid JSON"},
      {"NotATrace", [=] { return "replay " + trace_file("other.json", R"({"hello":1})"); },
       "not an interleave trace"},
      {"OtherVersion", [=] { return "replay " + trace_file("v9.json", other_version); },
       "version 9"},
      {"TraceOfUnknownModel", [=] { return "replay " + trace_file("nomodel.json", other_model); },
       "unknown model 'no_such_model'"},
      {"ProgramNotAString",
       [=] { return "replay " + trace_file("program.json", numbered_program); },
       "program is not a string"},
      {"NegativePreemptions",
       [=] { return "replay " + trace_file("preemptions.json", negative_preemptions); },
       "preemptions is not a whole number"},
      {"ThreadThatDoesNotExist", [=] { return "replay " + trace_file("thread.json", bad_thread); },
       "step 4 names thread 7, which does not exist there (threads 0 to 2"},
      {"ThreadNotEnabled", [=] { return "replay " + trace_file("blocked.json", blocked_thread); },
       "step 4 names thread 0, which is not enabled there"},
      {"ScheduleLongerThanTheRun",
       [=] { return "replay " + trace_file("too_long.json", too_long); },
       "the run ended after 13 steps (every thread finished) but the schedule goes on to step 14"},
      {"SaveIntoAMissingDirectory",
       [=] { return "explore counter_heartbeat --variant naive --save /nonexistent/dir/t.json"; },
       "--save /nonexistent/dir/t.json: no directory /nonexistent/dir"},
      {"PlotIntoAMissingDirectory",
       [=] { return "simulate counter_heartbeat --duration 2 --plot /nonexistent/dir/p.svg"; },
       "--plot /nonexistent/dir/p.svg: no directory /nonexistent/dir"},
      {"SaveToNoName", [=] { return "explore races --save ''"; }, "--save: expects a file name"},
      {"SaveOntoADirectory",
       [=] { return "explore counter_heartbeat --variant naive --save " + scratch_dir().string(); },
       "is a directory"},
      {"HexadecimalParam", [=] { return "explore counter_heartbeat --param size=0x10"; },
       "'0x10' is not a number"},
      {"TraceIsADirectory", [=] { return "replay " + scratch_dir().string(); },
       "a directory, not a trace file"},
      {"UnknownSubcommand", [=] { return "frobnicate"; }, "frobnicate"},
      {"OptionBeforeTheCommand", [=] { return "--foo explore races"; },
       "unknown option '--foo': a command comes first"},
      {"NoCommand", [=] { return ""; }, "a command is required"},
      {"OptionGivenTwice", [=] { return "explore races --seed 1 --seed 2"; },
       "--seed: given more than once"},
      {"OptionWithoutItsValue", [=] { return "explore races --variant"; },
       "--variant: expects a value"},
      {"ParamGivenTwice",
       [=] { return "explore counter_heartbeat --param size=3 --param rounds=1 --param size=4"; },
       "param size given twice ('size=3' and 'size=4')"},
      {"ParamOfAModelWithoutParams", [=] { return "explore races --param size=3"; },
       "unknown param 'size' for model races (it takes none)"},
  };
}

INSTANTIATE_TEST_SUITE_P(Cli, BadInputTest, ::testing::ValuesIn(bad_inputs()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Cli, ValidHandWrittenTraceReplays) {
  const auto r = run_cli("replay " + trace_file("hand.json", valid_trace_text()) + " --json");
  EXPECT_NE(r.code, 2) << r.err;
}

}  // namespace
}  // namespace interleave
