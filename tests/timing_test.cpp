// The virtual clock: costs, sleeps and jumps, independent of the host's clock.
#include <gtest/gtest.h>

#include <chrono>
#include <limits>

#include "models/bind.hpp"
#include "sim/random_strategy.hpp"
#include "sim/runner.hpp"

namespace interleave {
namespace {

RunResult timed_run(const SimModel& model, Policy policy) {
  ExecutionConfig config;
  config.step_limit = std::numeric_limits<uint64_t>::max();
  config.timing.timed = true;
  config.timing.policy = policy;
  RandomStrategy strategy(1);
  return run_once(model, strategy, nullptr, config);
}

TEST(Timing, WorkAndOperationsAdvanceTheClock) {
  const RunResult r = timed_run(simulated([](auto& env) {
                                  Shared<SimEnv, int> x(env, "x");
                                  env.work(500);  // 500 units at 1 ns
                                  x.store(1);     // one operation at 60 ns
                                  env.note("t", 0);
                                }),
                                Policy::kGil);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0].time_ns, 560);
}

TEST(Timing, IdleClockJumpsToTheNextWakeUp) {
  using namespace std::chrono_literals;
  const RunResult r = timed_run(simulated([](auto& env) {
                                  auto a = env.spawn("a", [&] {
                                    env.sleep_for(3s);
                                    env.note("a", 0);
                                  });
                                  auto b = env.spawn("b", [&] {
                                    env.sleep_for(1s);
                                    env.note("b", 0);
                                  });
                                  a.join();
                                  b.join();
                                }),
                                Policy::kGil);
  ASSERT_EQ(r.notes.size(), 2u);
  EXPECT_STREQ(r.notes[0].label, "b");
  EXPECT_NEAR(static_cast<double>(r.notes[0].time_ns), 1e9, 1e4);
  EXPECT_NEAR(static_cast<double>(r.notes[1].time_ns), 3e9, 1e4);
  EXPECT_TRUE(r.findings.empty());
}

TEST(Timing, GilSwitchesOnlyAtTheInterval) {
  // Two busy threads under the GIL: each runs ~5 ms of operations (83,333 at 60 ns) per turn.
  const RunResult r = timed_run(simulated([](auto& env) {
                                  Shared<SimEnv, int> x(env, "x");
                                  Shared<SimEnv, int> y(env, "y");
                                  auto busy = [&](Shared<SimEnv, int>& v, const char* label) {
                                    for (int i = 0; i < 200'000; ++i) v.store(i);
                                    env.note(label, 0);
                                  };
                                  auto a = env.spawn("a", [&] { busy(x, "a"); });
                                  auto b = env.spawn("b", [&] { busy(y, "b"); });
                                  a.join();
                                  b.join();
                                }),
                                Policy::kGil);
  ASSERT_EQ(r.notes.size(), 2u);
  // Interleaved in 5 ms slices, both finish near the end of the 24 ms of total work.
  EXPECT_GT(r.notes[0].time_ns, 18'000'000);
  EXPECT_NEAR(static_cast<double>(r.notes[1].time_ns), 24e6, 0.1e6);
}

}  // namespace
}  // namespace interleave
