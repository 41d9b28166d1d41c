// The example of README's "Write your own model": explore in simulation, then run natively.
#include "examples/inventory.hpp"

#include <gtest/gtest.h>

#include "models/bind.hpp"
#include "sim/random_strategy.hpp"
#include "sim/runner.hpp"

namespace {

interleave::ExploreResult explore_inventory(bool with_lock) {
  interleave::RandomStrategy strategy(/*seed=*/1);
  interleave::ExploreOptions options;
  options.max_executions = 5000;
  options.all = true;
  return interleave::explore(
      interleave::simulated([with_lock](auto& env) { shop::sell_last_item(env, with_lock); }),
      strategy, options);
}

TEST(Inventory, CheckThenActOversells) {
  const auto result = explore_inventory(/*with_lock=*/false);
  ASSERT_FALSE(result.bugs.empty());
  EXPECT_NE(result.bugs[0].finding.message.find("never sell more than we had"), std::string::npos);
}

TEST(Inventory, LockedSaleIsCorrect) {
  const auto result = explore_inventory(/*with_lock=*/true);
  EXPECT_TRUE(result.bugs.empty());
}

TEST(Inventory, RunsNatively) {
  interleave::NativeRun run;  // real threads, std::mutex, plain memory
  interleave::StdEnv env(run);
  shop::sell_last_item(env, /*with_lock=*/true);
  EXPECT_TRUE(run.findings().empty());
}

}  // namespace
