// dfs (with preemption bounding), pct and search control from the command line.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli_support.hpp"

namespace interleave {
namespace {

nlohmann::json explore(const std::string& args, int expected_code) {
  const auto r = testing::run_cli("explore " + args + " --json");
  EXPECT_EQ(r.code, expected_code) << args << "\n" << r.out << r.err;
  return r.code == 2 ? nlohmann::json{} : r.json();
}

uint64_t invariant_preemptions(const nlohmann::json& j, bool* found) {
  *found = false;
  for (const auto& b : j["bugs"]) {
    if (b["kind"] == "invariant") {
      *found = true;
      return b["preemptions"];
    }
  }
  return 0;
}

TEST(Dfs, EnumeratesEveryInterleavingOfMemorySteps) {
  // counter: 12 memory steps; heartbeat: 2 beats x 3 loads; C(18, 6) = 18,564 interleavings.
  const auto j = explore(
      "counter_heartbeat --variant naive --param size=3 --param rounds=2 --strategy dfs --all", 1);
  EXPECT_EQ(j["executions"], 18564);
  EXPECT_EQ(j["complete"], true);
}

TEST(Dfs, PreemptionBoundLimitsTheSpace) {
  const std::string base = "counter_heartbeat --variant naive --param size=2 --param rounds=1 ";
  const auto zero = explore(base + "--strategy dfs --preemptions 0 --all", 1);
  const auto one = explore(base + "--strategy dfs --preemptions 1 --all", 1);
  const auto all = explore(base + "--strategy dfs --all", 1);
  EXPECT_LT(zero["executions"].get<int>(), one["executions"].get<int>());
  EXPECT_LT(one["executions"].get<int>(), all["executions"].get<int>());
  EXPECT_EQ(all["executions"], 15);  // C(6, 2)
  bool found = false;
  invariant_preemptions(zero, &found);
  EXPECT_FALSE(found) << "the half-done pass needs a preemption";
  EXPECT_EQ(invariant_preemptions(one, &found), 1u);
  EXPECT_TRUE(found);
}

TEST(Dfs, IterativeBoundingFindsTheFewestPreemptionsFirst) {
  // Searching for the invariant alone: a model with no race on the way would do; here the data
  // race needs no preemption and comes first, then the search stops.
  const auto j = explore("counter_heartbeat --variant naive --strategy dfs --preemptions 3", 1);
  ASSERT_FALSE(j["bugs"].empty());
  EXPECT_EQ(j["bugs"][0]["preemptions"], 0);
  const auto unbounded =
      explore("bank_transfer --variant unlocked --strategy dfs --preemptions", 1);
  EXPECT_EQ(unbounded["complete"], false);
}

TEST(Dfs, CorrectTwinStaysCleanWithinTheBound) {
  const auto j =
      explore("counter_heartbeat --variant locked --strategy dfs --preemptions 2 --all", 0);
  EXPECT_EQ(j["complete"], true);
  EXPECT_TRUE(j["bugs"].empty());
}

TEST(Pct, FindsTheNaiveBugAndIsReproducible) {
  const std::string cmd =
      "counter_heartbeat --variant naive --strategy pct --depth 2 --seed 4 --all "
      "--executions 500";
  auto a = explore(cmd, 1);
  auto b = explore(cmd, 1);
  std::set<std::string> kinds;
  for (const auto& bug : a["bugs"]) kinds.insert(bug["kind"].get<std::string>());
  EXPECT_EQ(kinds, (std::set<std::string>{"data_race", "invariant"}));
  for (auto* j : {&a, &b}) {
    j->erase("elapsed_s");
    j->erase("executions_per_s");
  }
  EXPECT_EQ(a, b);
}

TEST(Search, ExecutionBudgetMakesTheSearchIncomplete) {
  const auto j = explore("lastzero --param n=5 --strategy dpor --all --executions 10", 0);
  EXPECT_EQ(j["executions"], 10);
  EXPECT_EQ(j["complete"], false);
}

TEST(Search, ABoundedSearchSaysItsBoundAndSeedlessStrategiesNoSeed) {
  const auto bounded = explore("bank_transfer --strategy dfs --preemptions 2 --all", 1);
  EXPECT_EQ(bounded["preemption_bound"], 2);
  EXPECT_TRUE(bounded["seed"].is_null());
  EXPECT_EQ(bounded["complete"], true);
  const auto r = testing::run_cli("explore bank_transfer --strategy dfs --preemptions 2 --all");
  EXPECT_NE(r.out.find("every interleaving with at most 2 preemptions was covered"),
            std::string::npos)
      << r.out;
  const auto seeded = explore("bank_transfer --strategy random --seed 4", 1);
  EXPECT_EQ(seeded["seed"], 4);
  EXPECT_TRUE(seeded["preemption_bound"].is_null());
}

TEST(Search, TheReproducingCommandKeepsTheStepLimitAndSaysWhichBugItSaves) {
  const auto limited = testing::run_cli(
      "explore counter_heartbeat --variant locked --param rounds=0 --max-steps 200");
  EXPECT_EQ(limited.code, 1);
  EXPECT_NE(limited.out.find("--max-steps 200 --save trace.json"), std::string::npos)
      << limited.out;
  const auto several =
      testing::run_cli("explore counter_heartbeat --variant naive --strategy dfs --all");
  EXPECT_NE(several.out.find("reproduce (the first bug above): "), std::string::npos)
      << several.out;
  const auto one = testing::run_cli("explore races --variant unsynchronized --strategy dpor");
  EXPECT_NE(one.out.find("  reproduce: "), std::string::npos) << one.out;
}

TEST(Search, ABudgetTheWholeSpaceUsesUpExactlyLeavesItComplete) {
  // locked rounds=2: 6 traces (dpor), as many interleavings (dfs), on one thread and split.
  for (const auto& [strategy, space] : {std::pair{"dpor", 6}, std::pair{"dfs", 6}}) {
    for (const char* jobs : {"1", "2"}) {
      const std::string search = std::string("counter_heartbeat --variant locked --strategy ") +
                                 strategy + " --all --jobs " + jobs + " --executions ";
      const auto exact = explore(search + std::to_string(space), 0);
      EXPECT_EQ(exact["executions"], space) << search;
      EXPECT_EQ(exact["complete"], true) << search;
      const auto short_of_it = explore(search + std::to_string(space - 1), 0);
      EXPECT_EQ(short_of_it["executions"], space - 1) << search;
      EXPECT_EQ(short_of_it["complete"], false) << search;
    }
  }
}

struct Bad {
  const char* name;
  const char* args;
  const char* says;
};

class SearchBadInput : public ::testing::TestWithParam<Bad> {};

TEST_P(SearchBadInput, OneLineAndExitTwo) {
  const auto r = testing::run_cli(GetParam().args);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(r.err_lines(), 1) << r.err;
  EXPECT_NE(r.err.find(GetParam().says), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Search, SearchBadInput,
    ::testing::Values(
        Bad{"NegativePreemptions", "explore counter_heartbeat --strategy dfs --preemptions -1",
            "--preemptions"},
        Bad{"WordPreemptions", "explore counter_heartbeat --strategy dfs --preemptions many",
            "--preemptions"},
        Bad{"PreemptionsWithoutDfs", "explore counter_heartbeat --preemptions 2", "dfs"},
        Bad{"ZeroDepth", "explore counter_heartbeat --strategy pct --depth 0", "--depth"},
        Bad{"ZeroDepthWithoutPct", "explore counter_heartbeat --depth 0",
            "--depth: expects a whole number from 1"},
        Bad{"NoSuchStrategy", "explore counter_heartbeat --strategy magic", "unknown strategy"},
        Bad{"NoSuchStrategyWithDepth", "explore counter_heartbeat --strategy magic --depth 2",
            "unknown strategy"},
        Bad{"AllWithReplay", "replay traces/none.json --all", "--all"},
        Bad{"ZeroJobs", "explore counter_heartbeat --strategy dpor --jobs 0", "--jobs"},
        Bad{"NegativeJobs", "explore counter_heartbeat --strategy dpor --jobs -2",
            "--jobs: expects a whole number from 1 to 256, not '-2'"},
        Bad{"TooManyJobs", "explore counter_heartbeat --strategy dpor --jobs 100000", "--jobs"},
        Bad{"TooManyJobsRandom", "explore counter_heartbeat --strategy random --jobs 5000",
            "--jobs"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Search, AnOptionTheStrategyIgnoresIsSaidOnceAndChangesNothing) {
  const std::string base = "explore races --variant unsynchronized --all --json ";
  const auto plain = testing::run_cli(base + "--strategy dpor");
  const auto seeded = testing::run_cli(base + "--strategy dpor --seed 7");
  EXPECT_EQ(seeded.code, 1) << seeded.err;
  EXPECT_EQ(plain.err, "");
  EXPECT_EQ(seeded.err_lines(), 1) << seeded.err;
  EXPECT_NE(seeded.err.find("--seed is ignored: dpor explores every trace"), std::string::npos)
      << seeded.err;
  EXPECT_EQ(seeded.json()["executions"], plain.json()["executions"]);
  EXPECT_EQ(seeded.json()["bugs"].size(), plain.json()["bugs"].size());

  const auto depth = testing::run_cli(base + "--strategy random --depth 2");
  EXPECT_EQ(depth.code, 1) << depth.err;
  EXPECT_NE(depth.err.find("--depth is ignored"), std::string::npos) << depth.err;
  // Where they apply, nothing is said.
  const auto pct = testing::run_cli(base + "--strategy pct --depth 2 --seed 7");
  EXPECT_EQ(pct.code, 1) << pct.err;
  EXPECT_EQ(pct.err, "");
}

/// Whether process `pid` has a handler of its own for `signal` (SigCgt in /proc/PID/status).
bool catches(pid_t pid, int signal) {
  std::istringstream status(testing::read_file("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("SigCgt:", 0) == 0) {
      return ((std::stoull(line.substr(7), nullptr, 16) >> (signal - 1)) & 1) != 0;
    }
  }
  return false;
}

TEST(Search, CtrlCStopsTheSearchWhichReportsAndSavesWhatItFoundThenDiesOfIt) {
  // A search that would run for a minute (its --time-limit, should the signal be lost), started
  // with SIGINT at its default and unblocked, whatever this test runner was given.
  const std::string out = testing::path_in_scratch("interrupted.out");
  const std::string trace = testing::path_in_scratch("interrupted.json");
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&files, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t interrupt;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  posix_spawnattr_setsigdefault(&attributes, &interrupt);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<std::string> args = {INTERLEAVE_BINARY, "explore",      "counter_heartbeat",
                                   "--variant",       "naive",        "--strategy",
                                   "random",          "--executions", "1000000000",
                                   "--all",           "--time-limit", "60",
                                   "--save",          trace,          "--json"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, INTERLEAVE_BINARY, &files, &attributes, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attributes);
  // Ctrl-C once the search listens for it (it catches SIGINT only while it searches), and has
  // had time to find something.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(50);
  while (!catches(pid, SIGINT) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  // It ends as Ctrl-C ends a program, so that a shell running a loop of searches stops too.
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit code " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGINT);
  // But first it reports, as a budget's end would.
  const auto j = nlohmann::json::parse(testing::read_file(out));
  EXPECT_EQ(j["interrupted"], true);
  EXPECT_EQ(j["complete"], false);
  EXPECT_GT(j["executions"].get<uint64_t>(), 0u);
  EXPECT_LT(j["elapsed_s"].get<double>(), 45.0);
  ASSERT_FALSE(j["bugs"].empty());
  EXPECT_EQ(j["saved"], trace);
  EXPECT_TRUE(std::filesystem::exists(trace));
  // Without Ctrl-C it says so.
  const auto plain = explore("counter_heartbeat --variant naive --executions 5", 1);
  EXPECT_EQ(plain["interrupted"], false);
}

}  // namespace
}  // namespace interleave

namespace interleave {
namespace {

/// The same search on J threads: the JSON apart from timing is byte for byte the one of J = 1.
nlohmann::json without_timing(nlohmann::json j) {
  j.erase("elapsed_s");
  j.erase("executions_per_s");
  return j;
}

class ParallelSearch : public ::testing::TestWithParam<const char*> {};

TEST_P(ParallelSearch, EveryJobCountGivesTheSameResult) {
  const std::string args = GetParam();
  const auto one = testing::run_cli("explore " + args + " --jobs 1 --json");
  ASSERT_NE(one.code, 2) << one.err;
  const auto expected = without_timing(one.json());
  for (int jobs : {2, 3, 4}) {
    const auto r =
        testing::run_cli("explore " + args + " --jobs " + std::to_string(jobs) + " --json");
    EXPECT_EQ(r.code, one.code) << args << " --jobs " << jobs;
    EXPECT_EQ(without_timing(r.json()), expected) << args << " --jobs " << jobs;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Jobs, ParallelSearch,
    ::testing::Values(
        // Exhaustive, with bugs counted over the whole space.
        "counter_heartbeat --variant naive --param size=3 --param rounds=2 --strategy dpor --all",
        "lastzero --param n=8 --strategy dpor --all",
        "bank_transfer --variant unlocked --strategy dpor --all",
        "dining_philosophers --variant naive --param seats=4 --strategy dpor --all",
        "wakeup --variant if_wait --strategy dpor --all",
        // Stopping at the first bug: the same execution number for every J.
        "bank_transfer --variant unlocked --strategy dpor",
        // dfs, whole and preemption-bounded (rounds 0, 1, 2: repeated runs are not counted).
        "counter_heartbeat --variant naive --param size=2 --param rounds=2 --strategy dfs --all",
        "dining_philosophers --variant naive --strategy dfs --preemptions 2 --all",
        "lock_order --variant inverted --strategy dfs --preemptions",
        // Seeded sampling: execution k is the same wherever it runs.
        "counter_heartbeat --variant naive --strategy random --seed 7 --executions 400 --all",
        "wakeup --variant if_wait --strategy random --seed 3 --executions 300",
        "lock_order --variant inverted --strategy rr --executions 50 --all",
        // rr ends once no quantum cuts a thread short: at the same run for every J.
        "counter_heartbeat --variant naive --param size=2 --param rounds=1 --strategy rr --all",
        // pct: its estimate of a run's length (here over 64 steps) grows at the same executions.
        "counter_heartbeat --variant naive --param size=40 --param rounds=1 --strategy pct "
        "--depth 3 --seed 2 --executions 300 --all"),
    [](const auto& param_info) {
      std::string name = param_info.param;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

}  // namespace
}  // namespace interleave
