// Exhaustive search counts: one execution per Mazurkiewicz trace (ORACLES.md), exactly, and
// (optimal DPOR) no execution cut short as redundant.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/cli_support.hpp"

namespace interleave {
namespace {

struct Count {
  const char* model;
  const char* args;
  uint64_t traces;
  int64_t violations;  // executions whose check fails; -1: not asserted
};

std::ostream& operator<<(std::ostream& out, const Count& c) {
  return out << c.model << " " << c.args;
}

class DporCount : public ::testing::TestWithParam<Count> {};

TEST_P(DporCount, OneExecutionPerTrace) {
  const Count& c = GetParam();
  const auto r = testing::run_cli(std::string("explore ") + c.model + " " + c.args +
                                  " --strategy dpor --all --json");
  ASSERT_NE(r.code, 2) << r.err;
  const auto j = r.json();
  EXPECT_EQ(j["executions"], c.traces);
  EXPECT_EQ(j["complete"], true);
  // Optimal: no run is wasted on a prefix whose every continuation was already covered.
  EXPECT_EQ(j["pruned"], 0);
  if (c.violations >= 0) {
    int64_t violations = 0;
    for (const auto& b : j["bugs"]) {
      if (b["kind"] == "invariant") violations = b["count"];
    }
    EXPECT_EQ(violations, c.violations);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Oracles, DporCount,
    ::testing::Values(
        Count{"counter_heartbeat", "--variant naive --param size=2 --param rounds=1", 4, 2},
        Count{"counter_heartbeat", "--variant naive --param size=3 --param rounds=1", 8, 6},
        Count{"counter_heartbeat", "--variant naive --param size=2 --param rounds=2", 26, 20},
        Count{"counter_heartbeat", "--variant naive --param size=3 --param rounds=2", 100, 94},
        Count{"counter_heartbeat", "--variant naive --param size=4 --param rounds=2", 368, 362},
        Count{"counter_heartbeat", "--variant naive --param size=3 --param rounds=3", 1460, 1440},
        Count{"counter_heartbeat", "--variant locked --param rounds=1", 2, 0},
        Count{"counter_heartbeat", "--variant locked --param rounds=2", 6, 0},
        Count{"counter_heartbeat", "--variant locked --param rounds=3 --param size=5", 20, 0},
        Count{"counter_heartbeat", "--variant locked_yield --param rounds=1", 2, 0},
        Count{"counter_heartbeat", "--variant locked_yield --param rounds=2 --param size=4", 6, 0},
        Count{"counter_heartbeat", "--variant locked_yield --param rounds=3", 20, 0},
        Count{"lastzero", "--param n=3", 12, -1}, Count{"lastzero", "--param n=5", 64, -1},
        Count{"lastzero", "--param n=10", 3328, -1}, Count{"readers", "--param n=8", 256, -1},
        Count{"ainc", "--param n=5", 120, 0}, Count{"cas", "--param n=4", 4, 0},
        Count{"lockinc", "--param n=4", 24, 0}),
    [](const auto& param_info) {
      std::string name = std::string(param_info.param.model) + param_info.param.args;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(Dpor, FindsTheNaiveBugAndStopsThere) {
  const auto r =
      testing::run_cli("explore counter_heartbeat --variant naive --strategy dpor --json");
  ASSERT_EQ(r.code, 1);
  const auto j = r.json();
  EXPECT_EQ(j["complete"], false);
  EXPECT_LE(j["executions"].get<int>(), 2);
}

TEST(Dpor, CorrectTwinsAreCleanOverTheWholeSpace) {
  for (const char* m : {"dining_philosophers --variant ordered", "bank_transfer --variant locked",
                        "wakeup --variant correct", "races --variant atomic_flag",
                        "races --variant release_acquire"}) {
    const auto r = testing::run_cli(std::string("explore ") + m + " --strategy dpor --all --json");
    EXPECT_EQ(r.code, 0) << m << r.out;
    EXPECT_EQ(r.json()["complete"], true) << m;
  }
}

TEST(Dpor, CatchesEveryBuggyModel) {
  for (const char* m :
       {"dining_philosophers --variant naive", "lock_order --variant inverted",
        "bank_transfer --variant unlocked", "wakeup --variant notify_first",
        "wakeup --variant if_wait", "races --variant plain_flag", "races --variant relaxed_flag"}) {
    const auto r = testing::run_cli(std::string("explore ") + m + " --strategy dpor --json");
    EXPECT_EQ(r.code, 1) << m << r.out;
  }
}

TEST(Dpor, SameCommandTwiceGivesIdenticalJsonApartFromTiming) {
  const std::string cmd = "explore lastzero --param n=5 --strategy dpor --all --json";
  auto a = testing::run_cli(cmd).json();
  auto b = testing::run_cli(cmd).json();
  for (auto* j : {&a, &b}) {
    j->erase("elapsed_s");
    j->erase("executions_per_s");
  }
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace interleave

namespace interleave {
namespace {

/// DPOR is exhaustive: whatever kind of bug 5,000 random executions reach, it reaches too.
TEST(Dpor, FindsEveryKindOfBugRandomSearchFinds) {
  const auto list = testing::run_cli("list --json").json();
  for (const auto& m : list["models"]) {
    for (const auto& v : m["variants"]) {
      const std::string which =
          m["name"].get<std::string>() + " --variant " + v["name"].get<std::string>();
      const auto random = testing::run_cli("explore " + which +
                                           " --strategy random --executions 5000 --all --json");
      const auto dpor = testing::run_cli("explore " + which + " --strategy dpor --all --json");
      ASSERT_NE(dpor.code, 2) << which << dpor.err;
      std::set<std::string> random_kinds;
      std::set<std::string> dpor_kinds;
      const auto rj = random.json();
      const auto dj = dpor.json();
      for (const auto& b : rj["bugs"]) random_kinds.insert(b["kind"].get<std::string>());
      for (const auto& b : dj["bugs"]) dpor_kinds.insert(b["kind"].get<std::string>());
      for (const std::string& k : random_kinds) {
        EXPECT_TRUE(dpor_kinds.count(k) == 1) << which << ": random found " << k << ", dpor not";
      }
      EXPECT_EQ(dj["complete"], true) << which;
      EXPECT_EQ(dj["pruned"], 0) << which;
    }
  }
}

}  // namespace
}  // namespace interleave
