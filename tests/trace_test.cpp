// Trace files: the round trip, and the regression corpus in traces/ replayed verdict for verdict.
#include "sim/trace.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/cli_support.hpp"

namespace interleave {
namespace {

TEST(Trace, WriteThenReadIsLossless) {
  Trace t;
  t.model = "counter_heartbeat";
  t.variant = "naive";
  t.params = {{"size", 3}, {"period", 0.5}};
  t.strategy = "random";
  t.seed = 9;
  t.execution = 4;
  t.threads = {"main", "counter"};
  t.schedule = {ThreadId{0}, ThreadId{1}, ThreadId{0}};
  t.random = {3, 1};
  t.events = {
      RecordedEvent{0, 0, Op::kStore, "values[0]", 0, "m.hpp:3", ""},
      RecordedEvent{1, 1, Op::kWake, "cv", 0, "m.hpp:9", "m"},
      RecordedEvent{2, 1, Op::kAtomicStore, "flag", 1, "m.hpp:12", "", std::memory_order_release}};
  t.verdict = Verdict{FindingKind::kInvariant, "check failed", 1};
  t.preemptions = 2;
  const std::string path = (testing::scratch_dir() / "roundtrip.json").string();
  write_trace(path, t);
  const Trace back = read_trace(path);
  EXPECT_EQ(back.model, t.model);
  EXPECT_EQ(back.variant, t.variant);
  EXPECT_EQ(back.params, t.params);
  EXPECT_EQ(back.seed, 9u);
  EXPECT_EQ(back.execution, 4u);
  EXPECT_EQ(back.threads, t.threads);
  EXPECT_EQ(back.schedule, t.schedule);
  EXPECT_EQ(back.random, t.random);
  EXPECT_EQ(back.events, t.events);
  ASSERT_TRUE(back.verdict.has_value());
  EXPECT_EQ(back.verdict->kind, FindingKind::kInvariant);
  EXPECT_EQ(back.verdict->step, 1u);
  EXPECT_EQ(back.preemptions, std::optional<uint64_t>(2));
  t.preemptions.reset();  // traces from before it was recorded have none
  write_trace(path, t);
  EXPECT_FALSE(read_trace(path).preemptions.has_value());
}

/// Every committed trace replays to its recorded verdict at the recorded step.
TEST(Traces, EveryCommittedTraceReproducesItsVerdict) {
  const std::filesystem::path dir = std::filesystem::path(INTERLEAVE_SOURCE_DIR) / "traces";
  int replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    const Trace t = read_trace(entry.path().string());
    const auto r = testing::run_cli("replay " + entry.path().string() + " --json");
    SCOPED_TRACE(entry.path().string());
    ASSERT_NE(r.code, 2) << r.err;
    const auto j = r.json();
    if (!t.verdict) {
      EXPECT_EQ(r.code, 0);
      EXPECT_TRUE(j["bugs"].empty());
    } else {
      EXPECT_EQ(r.code, 1);
      ASSERT_FALSE(j["bugs"].empty());
      EXPECT_EQ(j["bugs"][0]["kind"], kind_name(t.verdict->kind));
      EXPECT_EQ(j["bugs"][0]["steps"], t.verdict->step);
      EXPECT_EQ(j["bugs"][0]["message"], t.verdict->message);
    }
    ++replayed;
  }
  EXPECT_GE(replayed, 1);
}

}  // namespace
}  // namespace interleave
