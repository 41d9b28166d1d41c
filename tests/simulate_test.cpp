// Timed simulation of counter/heartbeat with the defaults (size 100000, period 1 s, 10 s):
// the heartbeat behaviour of the threads-vs-asyncio comparison, reproduced deterministically.
#include <gtest/gtest.h>

#include <fstream>

#include <cmath>
#include <map>
#include <string>

#include "tests/cli_support.hpp"

namespace interleave {
namespace {

struct TimedRun {
  double mean = 0;
  double jitter = 0;
  uint64_t violations = 0;
  uint64_t beats = 0;
  int first_violation = -1;  // 1-based heartbeat, -1 if none
};

TimedRun parse(const nlohmann::json& j) {
  TimedRun r;
  r.mean = j["summary"]["mean_interval_s"];
  r.jitter = j["summary"]["jitter_s"];
  r.violations = j["summary"]["violations"];
  r.beats = j["summary"]["heartbeats"];
  for (std::size_t i = 0; i < j["heartbeats"].size(); ++i) {
    if (j["heartbeats"][i]["violation"] && r.first_violation < 0) {
      r.first_violation = static_cast<int>(i) + 1;
    }
  }
  return r;
}

constexpr double kOnePass = 200'000 * 60e-9;  // 100,000 loads and stores at 60 ns

TEST(Simulate, FourVariantsUnderTheirNaturalPolicies) {
  const auto r = testing::run_cli("simulate counter_heartbeat --compare --json");
  ASSERT_EQ(r.code, 1) << r.err;  // naive fails its check
  const auto j = r.json();
  std::map<std::string, TimedRun> runs;
  for (const auto& v : j["compare"]) runs[v["variant"]] = parse(v);
  ASSERT_EQ(runs.size(), 4u);

  // naive under the GIL: the check fails within the first three heartbeats.
  EXPECT_GE(runs["naive"].first_violation, 1);
  EXPECT_LE(runs["naive"].first_violation, 3);

  // locked under the GIL, barging: correct, but the heartbeat waits for the lock.
  EXPECT_EQ(runs["locked"].violations, 0u);
  EXPECT_GE(runs["locked"].mean, 1.2);
  EXPECT_GT(runs["locked"].jitter, 10 * runs["cooperative"].jitter);

  // locked_yield: the yield gives the waiting heartbeat a window.
  EXPECT_EQ(runs["locked_yield"].violations, 0u);
  EXPECT_LT(runs["locked_yield"].mean, runs["locked"].mean);

  // cooperative: steady, one period plus one counter pass.
  EXPECT_EQ(runs["cooperative"].violations, 0u);
  EXPECT_NEAR(runs["cooperative"].mean, 1.0 + kOnePass, 0.05 * (1.0 + kOnePass));
  EXPECT_LT(runs["cooperative"].jitter, 0.01);
}

TEST(Simulate, FifoMutexesRemoveTheDrift) {
  const auto fifo = testing::run_cli(
      "simulate counter_heartbeat --variant locked --policy gil --fairness fifo --json");
  const auto coop = testing::run_cli("simulate counter_heartbeat --variant cooperative --json");
  ASSERT_EQ(fifo.code, 0) << fifo.err;
  const TimedRun f = parse(fifo.json());
  const TimedRun c = parse(coop.json());
  EXPECT_EQ(f.violations, 0u);
  EXPECT_NEAR(f.mean, c.mean, 0.02 * c.mean);  // the lock's fairness was the cause
}

TEST(Simulate, SameSeedSameOutputOtherSeedOtherRun) {
  const std::string base = "simulate counter_heartbeat --variant locked --duration 4 --seed ";
  const auto a = testing::run_cli(base + "1");
  const auto b = testing::run_cli(base + "1");
  const auto c = testing::run_cli(base + "2");
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
  EXPECT_NE(a.out.find("All values are "), std::string::npos) << a.out;
}

TEST(Simulate, SavedTimedRunReplaysExactly) {
  const std::string trace = (testing::scratch_dir() / "timed.json").string();
  const auto run =
      testing::run_cli("simulate counter_heartbeat --variant naive --duration 3 --seed 5 --save " +
                       trace + " --json");
  ASSERT_EQ(run.code, 1) << run.err;
  const auto replay = testing::run_cli("replay " + trace + " --json");
  ASSERT_EQ(replay.code, 1) << replay.err;
  const auto r = replay.json();
  const auto s = run.json();
  ASSERT_EQ(r["heartbeats"].size(), s["heartbeats"].size());
  for (std::size_t i = 0; i < r["heartbeats"].size(); ++i) {
    EXPECT_EQ(r["heartbeats"][i]["t"], s["heartbeats"][i]["t"]);
    EXPECT_EQ(r["heartbeats"][i]["values"], s["heartbeats"][i]["values"]);
  }
  for (const auto& b : r["bugs"]) EXPECT_NE(b["kind"], "nondeterminism") << b;
}

TEST(Simulate, ATimedReplayThatDiffersSaysWhere) {
  const std::string trace = (testing::scratch_dir() / "timed_tampered.json").string();
  ASSERT_EQ(
      testing::run_cli("simulate counter_heartbeat --variant locked --duration 2 --save " + trace)
          .code,
      0);
  nlohmann::json t = nlohmann::json::parse(testing::read_file(trace));
  ASSERT_GE(t["notes"].size(), 2u);
  t["notes"][1]["value"] = t["notes"][1]["value"].get<int64_t>() + 1;
  std::ofstream(trace) << t.dump();
  const auto r = testing::run_cli("replay " + trace);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("NONDETERMINISM: the timed replay differs from the trace: note 1 differs: "
                       "recorded heartbeat = " +
                       std::to_string(t["notes"][1]["value"].get<int64_t>())),
            std::string::npos)
      << r.out;
}

TEST(Simulate, BadTimingInput) {
  const auto policy = testing::run_cli("simulate counter_heartbeat --policy fair");
  EXPECT_EQ(policy.code, 2);
  EXPECT_NE(policy.err.find("unknown policy 'fair'"), std::string::npos) << policy.err;
  const auto duration = testing::run_cli("simulate counter_heartbeat --duration 0");
  EXPECT_EQ(duration.code, 2);
  EXPECT_EQ(duration.err_lines(), 1);
  const auto fairness = testing::run_cli("simulate counter_heartbeat --fairness nice");
  EXPECT_EQ(fairness.code, 2);
}

}  // namespace
}  // namespace interleave
