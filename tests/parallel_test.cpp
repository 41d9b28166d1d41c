// Parallel exploration with every execution handed to other threads (however short), against the
// same search on one thread: the counts, bugs and execution numbers must not change.
#include "sim/parallel.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <ostream>
#include <string>

#include "checker/checker.hpp"
#include "models/registry.hpp"
#include "sim/random_strategy.hpp"

namespace interleave {
namespace {

struct Case {
  const char* model;
  const char* variant;
  std::vector<std::string> params;
  bool dpor;  // else random, seed 5, 300 executions
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.model << ' ' << c.variant << (c.dpor ? " dpor" : " random");
}

ExploreResult search(const Case& c, unsigned jobs, double min_run_s) {
  const ModelInfo& info = find_model(c.model);
  const SimModel model = info.bind(resolve_params(info, c.variant, c.params)).sim;
  ExploreOptions options;
  options.all = true;
  options.max_executions = c.dpor ? std::numeric_limits<uint64_t>::max() : 300;
  options.parallel_min_run_s = min_run_s;
  std::unique_ptr<ExecutionSource> source =
      c.dpor ? dpor_source() : indexed_source([] { return std::make_unique<RandomStrategy>(5); });
  return explore_parallel(model, *source, options, jobs, [] {
    return std::make_unique<Checker>(CheckerOptions{.explain = false});
  });
}

class HandedOut : public ::testing::TestWithParam<Case> {};

TEST_P(HandedOut, EveryExecutionOnOtherThreadsGivesTheSameResult) {
  const Case& c = GetParam();
  const ExploreResult one = search(c, 1, -1);
  ASSERT_TRUE(one.error.empty()) << one.error;
  for (unsigned jobs : {2u, 3u}) {
    const ExploreResult r = search(c, jobs, /*min_run_s=*/0);  // hand out everything
    ASSERT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.executions, one.executions) << jobs;
    EXPECT_EQ(r.complete, one.complete) << jobs;
    ASSERT_EQ(r.bugs.size(), one.bugs.size()) << jobs;
    for (std::size_t i = 0; i < r.bugs.size(); ++i) {
      EXPECT_EQ(r.bugs[i].finding.key(), one.bugs[i].finding.key()) << jobs;
      EXPECT_EQ(r.bugs[i].execution, one.bugs[i].execution) << jobs;
      EXPECT_EQ(r.bugs[i].count, one.bugs[i].count) << jobs;
      EXPECT_EQ(r.bugs[i].schedule, one.bugs[i].schedule) << jobs;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Parallel, HandedOut,
    ::testing::Values(Case{"lastzero", "", {"n=6"}, true},
                      Case{"counter_heartbeat", "naive", {"size=3", "rounds=2"}, true},
                      Case{"dining_philosophers", "naive", {"seats=3"}, true},
                      Case{"wakeup", "if_wait", {}, true},
                      // compare_exchange outcomes depend on the order: a branch's first step
                      // can differ from the wakeup-tree step that asked for it.
                      Case{"cas", "", {"n=4"}, true},
                      Case{"lockinc", "", {"n=4"}, true},
                      Case{"bank_transfer", "unlocked", {}, true},
                      Case{"bank_transfer", "unlocked", {}, false}),
    [](const auto& param_info) {
      std::string name = std::string(param_info.param.model) + "_" + param_info.param.variant +
                         (param_info.param.dpor ? "_dpor" : "_random");
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

}  // namespace
}  // namespace interleave
