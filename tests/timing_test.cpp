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

/// A busy thread of 1,000 stores (60 us), yielding every `every` stores (0: never), and a thread
/// that sleeps 10 us: the order of their notes under the cooperative policy.
RunResult busy_and_sleeper(int every) {
  using namespace std::chrono_literals;
  return timed_run(simulated([every](auto& env) {
                     Shared<SimEnv, int> x(env, "x");
                     auto busy = env.spawn("busy", [&] {
                       for (int i = 1; i <= 1000; ++i) {
                         x.store(i);
                         if (every > 0 && i % every == 0) env.yield();
                       }
                       env.note("busy", 0);
                     });
                     auto sleeper = env.spawn("sleeper", [&] {
                       env.sleep_for(10us);
                       env.note("sleeper", 0);
                     });
                     busy.join();
                     sleeper.join();
                   }),
                   Policy::kCooperative);
}

TEST(Timing, CooperativeSwitchesOnlyWhereTheRunningThreadGivesUp) {
  // Never yielding, the busy thread keeps the CPU after the sleeper wakes: it ends first.
  const RunResult never = busy_and_sleeper(0);
  ASSERT_EQ(never.notes.size(), 2u);
  EXPECT_STREQ(never.notes[0].label, "busy");
  EXPECT_EQ(never.preemptions, 0u);
  // Yielding every 100 stores (6 us, and 1 us for the yield), it lets the woken sleeper in at
  // the next yield, long before it ends.
  const RunResult yielding = busy_and_sleeper(100);
  ASSERT_EQ(yielding.notes.size(), 2u);
  EXPECT_STREQ(yielding.notes[0].label, "sleeper");
  EXPECT_LT(yielding.notes[0].time_ns, 30'000);  // woken at ~17 us, let in by the yield at ~21 us
}

}  // namespace
}  // namespace interleave
