// The dfs strategy driven directly: every interleaving (and random value) once, forced prefixes.
#include "sim/dfs_strategy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "models/bind.hpp"
#include "sim/execution.hpp"
#include "sim/runner.hpp"

namespace interleave {
namespace {

/// What one execution chose: its schedule and the random values it was given.
using Choices = std::pair<std::vector<ThreadId>, std::vector<uint64_t>>;

/// Runs `strategy` to exhaustion, the way explore() does, and keeps every execution's choices.
std::vector<Choices> every_run(const SimModel& model, Strategy& strategy) {
  StackPool pool;
  Execution x(pool);
  std::vector<Choices> runs;
  for (uint64_t index = 0; strategy.begin_execution(index); ++index) {
    const RunResult r = x.run([&] { model(x); }, strategy, nullptr);
    EXPECT_EQ(r.status, RunStatus::kCompleted) << r.abandon_reason;
    strategy.end_execution(
        ExecutionSummary{r.steps, false, !r.findings.empty(), false, false, {}, {}});
    runs.emplace_back(x.schedule(), x.random_values());
    if (runs.size() > 10'000) break;  // a runaway search fails below, it does not hang
  }
  return runs;
}

/// Two threads with `a` and `b` stores to one location.
SimModel two_writers(int a, int b) {
  return simulated([a, b](auto& env) {
    Shared<SimEnv, int> x(env, "x", 0);
    auto ta = env.spawn("a", [&] {
      for (int i = 0; i < a; ++i) x.store(1);
    });
    auto tb = env.spawn("b", [&] {
      for (int i = 0; i < b; ++i) x.store(2);
    });
    ta.join();
    tb.join();
  });
}

/// The order in which the two writers' stores ran, as a string of thread indices.
std::string store_order(const std::vector<ThreadId>& schedule) {
  std::string order;
  for (ThreadId t : schedule) {
    if (t == ThreadId{1} || t == ThreadId{2}) order += static_cast<char>('0' + to_index(t));
  }
  return order;
}

TEST(DfsStrategy, RunsEveryInterleavingExactlyOnce) {
  DfsStrategy dfs;
  const std::vector<Choices> runs = every_run(two_writers(3, 2), dfs);
  std::set<std::string> orders;
  for (const Choices& c : runs) orders.insert(store_order(c.first));
  // Spawns and joins are no choices: the interleavings of 3 and 2 stores, C(5, 2) = 10.
  EXPECT_EQ(runs.size(), 10u);
  EXPECT_EQ(orders.size(), 10u);
}

TEST(DfsStrategy, EnumeratesRandomValuesWithEveryInterleaving) {
  // Thread a asks for a value between its two stores: each of the 3 values goes with each of
  // the C(3, 1) = 3 places of b's store, and the forced prefix of a later run must hand the same
  // values back to the steps before its branch.
  const SimModel model = simulated([](auto& env) {
    Shared<SimEnv, int> x(env, "x", 0);
    auto ta = env.spawn("a", [&] {
      x.store(1);
      x.store(static_cast<int>(env.random(3)));
    });
    auto tb = env.spawn("b", [&] { x.store(9); });
    ta.join();
    tb.join();
  });
  DfsStrategy dfs;
  const std::vector<Choices> runs = every_run(model, dfs);
  std::map<std::string, std::set<uint64_t>> values_by_order;
  for (const Choices& c : runs) {
    ASSERT_EQ(c.second.size(), 1u);
    values_by_order[store_order(c.first)].insert(c.second[0]);
  }
  EXPECT_EQ(runs.size(), 9u);
  ASSERT_EQ(values_by_order.size(), 3u);
  for (const auto& [order, values] : values_by_order) {
    EXPECT_EQ(values, (std::set<uint64_t>{0, 1, 2})) << order;
  }
}

TEST(DfsStrategy, BoundedRoundsRepeatNothingTheyCount) {
  // With bound 1 the rounds run 0 then 1 preemption; explore counts each interleaving once.
  DfsStrategy bounded(1);
  ExploreOptions options;
  options.max_executions = 1000;
  options.all = true;
  const ExploreResult r = explore(two_writers(2, 2), bounded, options);
  EXPECT_TRUE(r.complete);
  // Of the C(4, 2) = 6 interleavings of 2 + 2 stores, abab and baba need two preemptions.
  EXPECT_EQ(r.executions, 4u);
}

/// A dfs that is asked at every step, also where one thread alone can run (`asks` true), or
/// only where it chooses (false, as DfsStrategy itself); it counts the picks with one option.
class CountingDfs final : public Strategy {
 public:
  CountingDfs(bool asks, std::optional<uint32_t> bound) : dfs_(bound), asks_(asks) {}
  bool begin_execution(uint64_t index) override { return dfs_.begin_execution(index); }
  ThreadId pick(const ChoicePoint& point) override {
    if (point.enabled.size() == 1) ++lone_picks_;
    return dfs_.pick(point);
  }
  uint64_t pick_value(const ValuePoint& point) override { return dfs_.pick_value(point); }
  std::string name() const override { return "counting-dfs"; }
  std::span<const ThreadId> forced_prefix() const override { return dfs_.forced_prefix(); }
  bool repeats_earlier(uint64_t preemptions) const override {
    return dfs_.repeats_earlier(preemptions);
  }
  bool asks_when_alone() const override { return asks_; }
  uint64_t lone_picks() const { return lone_picks_; }

 private:
  DfsStrategy dfs_;
  bool asks_;
  uint64_t lone_picks_ = 0;
};

TEST(DfsStrategy, StepsOneThreadAloneCanTakeAreNoQuestionAndChangeNothing) {
  // After b's single store, a runs alone (main waits to join it) for stores and then a random
  // value: the execution takes those steps without asking, and the strategy still records the
  // value's place (its forced prefix).
  const SimModel value_after = simulated([](auto& env) {
    Shared<SimEnv, int> x(env, "x", 0);
    Shared<SimEnv, int> y(env, "y", 0);
    auto ta = env.spawn("a", [&] {
      x.store(1);
      for (int i = 0; i < 3; ++i) y.store(i);
      x.store(static_cast<int>(env.random(2)));
      y.store(x.load());
    });
    auto tb = env.spawn("b", [&] { x.store(9); });
    ta.join();
    tb.join();
  });
  // While a holds the mutex b waits for, a runs alone up to its unlock; the choice after it
  // must know that a ran last (continuing a is no preemption, b's lock is one).
  const SimModel choice_after = simulated([](auto& env) {
    Shared<SimEnv, int> x(env, "x", 0);
    Shared<SimEnv, int> y(env, "y", 0);
    Mutex<SimEnv> m(env, "m");
    auto ta = env.spawn("a", [&] {
      m.lock();
      x.store(1);
      x.store(2);
      m.unlock();
      y.store(1);
    });
    auto tb = env.spawn("b", [&] {
      y.store(5);
      m.lock();
      x.store(3);
      m.unlock();
    });
    ta.join();
    tb.join();
  });
  for (const SimModel& model : {value_after, choice_after}) {
    for (const std::optional<uint32_t> bound :
         {std::optional<uint32_t>(), std::optional<uint32_t>(0), std::optional<uint32_t>(1)}) {
      CountingDfs asked(true, bound);
      CountingDfs unasked(false, bound);
      const std::vector<Choices> all = every_run(model, asked);
      const std::vector<Choices> chosen = every_run(model, unasked);
      EXPECT_EQ(chosen, all) << "bound " << bound.value_or(99);
      EXPECT_GT(asked.lone_picks(), 0u);
      EXPECT_EQ(unasked.lone_picks(), 0u);
    }
  }
  // Unbounded: b's store goes in any of the 8 places around a's 7 steps, and each place comes
  // with both values.
  CountingDfs unasked(false, std::nullopt);
  const std::vector<Choices> runs = every_run(value_after, unasked);
  std::set<Choices> distinct(runs.begin(), runs.end());
  EXPECT_EQ(runs.size(), 16u);
  EXPECT_EQ(distinct.size(), 16u);
}

/// A strategy that forces threads that do not exist, to see the run refuse them.
class BadPrefix final : public Strategy {
 public:
  bool begin_execution(uint64_t index) override { return index == 0; }
  std::span<const ThreadId> forced_prefix() const override { return prefix_; }
  ThreadId pick(const ChoicePoint& point) override { return point.enabled.front(); }
  uint64_t pick_value(const ValuePoint&) override { return 0; }
  std::string name() const override { return "bad-prefix"; }

 private:
  std::vector<ThreadId> prefix_{ThreadId{0}, ThreadId{7}};
};

TEST(DfsStrategy, AForcedStepThatCannotRunAbandonsTheRunAndSaysWhere) {
  BadPrefix strategy;
  const RunResult r = run_once(two_writers(1, 1), strategy, nullptr, {});
  EXPECT_EQ(r.status, RunStatus::kAbandoned);
  EXPECT_NE(r.abandon_reason.find("step 1 names thread 7"), std::string::npos) << r.abandon_reason;
}

}  // namespace
}  // namespace interleave
