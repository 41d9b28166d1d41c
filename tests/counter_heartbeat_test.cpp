// counter/heartbeat over both environments: the naive bug must be caught, the correct twins
// must stay clean, and the same source runs natively.
#include "models/counter_heartbeat.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "checker/checker.hpp"
#include "models/bind.hpp"
#include "models/registry.hpp"
#include "sim/random_strategy.hpp"

namespace interleave {
namespace {

ExploreResult explore_variant(CounterVariant v, uint32_t size, uint64_t rounds,
                              uint64_t executions) {
  CounterHeartbeatConfig c;
  c.variant = v;
  c.size = size;
  c.rounds = rounds;
  c.beats = rounds;
  RandomStrategy strategy(42);
  ExploreOptions options;
  options.max_executions = executions;
  options.all = true;
  return explore(simulated([c](auto& env) { counter_heartbeat(env, c); }), strategy, options);
}

TEST(CounterHeartbeat, NaiveMustBeCaught) {
  const ExploreResult r = explore_variant(CounterVariant::kNaive, 3, 2, 2000);
  ASSERT_EQ(r.bugs.size(), 1u);
  EXPECT_EQ(r.bugs[0].finding.kind, FindingKind::kInvariant);
  EXPECT_NE(r.bugs[0].finding.message.find("all values are equal at models/counter_heartbeat.hpp"),
            std::string::npos);
  EXPECT_GT(r.bugs[0].count, 100u);  // most schedules see a half-done pass
}

class CorrectTwin : public ::testing::TestWithParam<CounterVariant> {};

TEST_P(CorrectTwin, MustStayClean) {
  const ExploreResult r = explore_variant(GetParam(), 3, 2, 5000);
  EXPECT_TRUE(r.bugs.empty()) << r.bugs[0].finding.message;
  EXPECT_EQ(r.executions, 5000u);
}

INSTANTIATE_TEST_SUITE_P(CounterHeartbeat, CorrectTwin,
                         ::testing::Values(CounterVariant::kLocked, CounterVariant::kLockedYield,
                                           CounterVariant::kCooperative));

/// The same template on real threads: a finite run of each correct variant reports every
/// heartbeat and no violation; the naive one may or may not lose the race natively.
class NativeRun_ : public ::testing::TestWithParam<CounterVariant> {};

TEST_P(NativeRun_, CorrectVariantsRunCleanOnRealThreads) {
  CounterHeartbeatConfig c;
  c.variant = GetParam();
  c.size = 10'000;
  c.rounds = 50;
  c.beats = 4;
  c.period_s = 0.001;
  std::vector<int64_t> beats;
  NativeRun run(0, [&](const NativeNote& n) {
    if (std::string(n.label) == "heartbeat") beats.push_back(n.value);
  });
  StdEnv env(run);
  auto body = [&] { counter_heartbeat(env, c); };
  env.guarded("main", body);
  EXPECT_TRUE(run.findings().empty());
  ASSERT_EQ(beats.size(), 4u);
  for (size_t i = 1; i < beats.size(); ++i) EXPECT_LE(beats[i - 1], beats[i]);
  EXPECT_LE(beats.back(), 50);
}

INSTANTIATE_TEST_SUITE_P(CounterHeartbeat, NativeRun_,
                         ::testing::Values(CounterVariant::kLocked, CounterVariant::kLockedYield,
                                           CounterVariant::kCooperative));

TEST(Registry, EveryVariantBindsAndRunsInSimulation) {
  for (const ModelInfo& m : models()) {
    for (const VariantSpec& v : m.variants) {
      const ParamValues p = resolve_params(m, v.name, {});
      const ModelRunners runners = m.bind(p);
      RandomStrategy s(1);
      ExploreOptions o;
      o.max_executions = 2000;
      o.all = true;
      Checker checker(CheckerOptions{.races = true, .lock_order = true, .explain = false});
      const ExploreResult r = explore(runners.sim, s, o, &checker);
      EXPECT_EQ(!r.bugs.empty(), v.buggy) << m.name << " " << v.name;
    }
  }
}

TEST(Registry, NativeDefaultsDifferWhereTheyShould) {
  const ModelInfo& m = find_model("counter_heartbeat");
  EXPECT_EQ(resolve_params(m, "locked", {}).get("size"), 3);
  EXPECT_EQ(resolve_params(m, "locked", {}, true).get("size"), 100000);
  EXPECT_EQ(resolve_params(m, "locked", {"size=7"}, true).get("size"), 7);
}

}  // namespace
}  // namespace interleave
