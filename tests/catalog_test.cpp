// Every buggy model must be caught with its expected kind; every correct twin must stay clean.
// Run exactly as the acceptance checks run them: the CLI, 10,000 random executions.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/cli_support.hpp"

namespace interleave {
namespace {

struct Verdict {
  const char* model;
  const char* variant;
  std::set<std::string> kinds;  // every kind the search must list; empty: must stay clean
};

std::ostream& operator<<(std::ostream& out, const Verdict& v) {
  return out << v.model << " --variant " << v.variant;
}

class CatalogVerdict : public ::testing::TestWithParam<Verdict> {};

TEST_P(CatalogVerdict, TenThousandRandomExecutions) {
  const Verdict& v = GetParam();
  const auto r = testing::run_cli(std::string("explore ") + v.model + " --variant " + v.variant +
                                  " --strategy random --executions 10000 --all --json");
  ASSERT_EQ(r.code, v.kinds.empty() ? 0 : 1) << r.out << r.err;
  const auto j = r.json();
  std::set<std::string> kinds;
  for (const auto& b : j["bugs"]) kinds.insert(b["kind"].get<std::string>());
  EXPECT_EQ(kinds, v.kinds);
}

INSTANTIATE_TEST_SUITE_P(
    MustBeCaughtAndTwins, CatalogVerdict,
    ::testing::Values(
        Verdict{"counter_heartbeat", "naive", {"data_race", "invariant"}},
        Verdict{"counter_heartbeat", "locked", {}},
        Verdict{"counter_heartbeat", "locked_yield", {}},
        Verdict{"counter_heartbeat", "cooperative", {}},
        Verdict{"dining_philosophers", "naive", {"deadlock", "lock_order"}},
        Verdict{"dining_philosophers", "ordered", {}},
        Verdict{"lock_order", "inverted", {"deadlock", "lock_order"}},
        Verdict{"lock_order", "same_order", {}},
        Verdict{"bank_transfer", "unlocked", {"data_race", "invariant"}},
        Verdict{"bank_transfer", "locked", {}}, Verdict{"wakeup", "notify_first", {"deadlock"}},
        Verdict{"wakeup", "if_wait", {"invariant"}}, Verdict{"wakeup", "correct", {}},
        Verdict{"races", "unsynchronized", {"data_race"}}, Verdict{"races", "one_mutex", {}},
        Verdict{"races", "spawn_orders", {}}, Verdict{"races", "join_orders", {}},
        Verdict{"races", "atomic_flag", {}}, Verdict{"races", "plain_flag", {"data_race"}},
        Verdict{"races", "two_mutexes", {"data_race"}}, Verdict{"races", "release_acquire", {}},
        Verdict{"races", "relaxed_flag", {"data_race"}}),
    [](const auto& param_info) {
      return std::string(param_info.param.model) + "_" + param_info.param.variant;
    });

TEST(Catalog, DiningPhilosophersDeadlockAtFiveSeats) {
  const auto r = testing::run_cli(
      "explore dining_philosophers --variant naive --param seats=5 --executions 10000 --all "
      "--json");
  ASSERT_EQ(r.code, 1);
  const auto j = r.json();
  std::set<std::string> kinds;
  for (const auto& b : j["bugs"]) kinds.insert(b["kind"].get<std::string>());
  EXPECT_EQ(kinds, (std::set<std::string>{"deadlock", "lock_order"}));
}

TEST(Catalog, LockOrderIsReportedInRunsThatComplete) {
  // Most schedules of lock_order/inverted complete; the inversion is reported in those too.
  const auto r =
      testing::run_cli("explore lock_order --variant inverted --executions 2000 --all --json");
  ASSERT_EQ(r.code, 1);
  uint64_t deadlocks = 0;
  uint64_t inversions = 0;
  const auto j = r.json();
  for (const auto& b : j["bugs"]) {
    if (b["kind"] == "deadlock") deadlocks = b["count"];
    if (b["kind"] == "lock_order") inversions = b["count"];
  }
  EXPECT_GT(deadlocks, 0u);
  EXPECT_LT(deadlocks, 1000u);       // most complete ...
  EXPECT_GT(inversions, deadlocks);  // ... and still report the inversion
}

TEST(Catalog, NaiveReportNamesTheRaceAndBothSourceLines) {
  const auto r =
      testing::run_cli("explore counter_heartbeat --variant naive --all --executions 1000");
  ASSERT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("interleave: DATA RACE on values["), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("store at models/counter_heartbeat.hpp:33"), std::string::npos);
  EXPECT_NE(r.out.find("load at models/counter_heartbeat.hpp:39"), std::string::npos);
  EXPECT_NE(r.out.find("earlier access: store"), std::string::npos);
  EXPECT_NE(r.out.find("later access: load"), std::string::npos);
  EXPECT_NE(r.out.find("the failed check at models/counter_heartbeat.hpp:39 read"),
            std::string::npos);
}

TEST(Catalog, DeadlockReportNamesWhatEachThreadWaitsFor) {
  const auto r =
      testing::run_cli("explore dining_philosophers --variant naive --executions 10000 --all");
  ASSERT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("interleave: DEADLOCK: 4 threads blocked forever"), std::string::npos)
      << r.out;
  // Each philosopher has a name of its own: the cycle can be followed.
  EXPECT_NE(r.out.find("thread 'philosopher 0' waits to lock 'fork[1]' held by 'philosopher 1'"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("thread 'philosopher 2' waits to lock 'fork[0]' held by 'philosopher 0'"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("thread 'main' waits to join 'philosopher 0'"), std::string::npos);
}

TEST(Catalog, OfflineCheckAgreesWithTheLiveRun) {
  const std::string trace = (testing::scratch_dir() / "offline.json").string();
  const auto live =
      testing::run_cli("explore bank_transfer --variant unlocked --save " + trace + " --json");
  ASSERT_EQ(live.code, 1);
  const auto replay = testing::run_cli("replay " + trace + " --json");
  const auto offline = testing::run_cli("replay " + trace + " --check --json");
  ASSERT_EQ(offline.code, 1) << offline.err;
  std::set<std::string> live_kinds;
  std::set<std::string> offline_kinds;
  const auto live_json = replay.json();
  const auto offline_json = offline.json();
  for (const auto& b : live_json["bugs"]) live_kinds.insert(b["message"]);
  for (const auto& b : offline_json["bugs"]) offline_kinds.insert(b["message"]);
  EXPECT_EQ(live_kinds, offline_kinds);
}

}  // namespace
}  // namespace interleave
