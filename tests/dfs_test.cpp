// The dfs strategy driven directly: every interleaving (and random value) once, forced prefixes.
#include "sim/dfs_strategy.hpp"

#include <gtest/gtest.h>

#include <map>
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

/// A strategy that forces threads that do not exist, to see the run refuse them.
class BadPrefix final : public Strategy {
 public:
  bool begin_execution(uint64_t index) override { return index == 0; }
  std::span<const ThreadId> forced_prefix() const override { return prefix_; }
  ThreadId pick(const ChoicePoint& point) override { return point.enabled.front(); }
  uint64_t pick_value(uint64_t) override { return 0; }
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
