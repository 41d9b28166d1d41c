// Parallel exploration against the same search on one thread: the counts, bugs, execution numbers
// and schedules must not change, however the work is split.
#include "sim/parallel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "checker/checker.hpp"
#include "models/bind.hpp"
#include "models/registry.hpp"
#include "sim/dfs_strategy.hpp"
#include "sim/dpor_strategy.hpp"
#include "sim/pct_strategy.hpp"
#include "sim/random_strategy.hpp"

namespace interleave {
namespace {

const MonitorFactory kCheckers = [] {
  return std::make_unique<Checker>(CheckerOptions{.explain = false});
};

ExploreOptions everything() {
  ExploreOptions options;
  options.all = true;
  options.max_executions = std::numeric_limits<uint64_t>::max();
  return options;
}

/// The same search, compared field by field; `what` names the one that differs.
void expect_same(const ExploreResult& r, const ExploreResult& one, const std::string& what) {
  ASSERT_TRUE(r.error.empty()) << what << ": " << r.error;
  EXPECT_EQ(r.executions, one.executions) << what;
  EXPECT_EQ(r.blocked, one.blocked) << what;
  EXPECT_EQ(r.pruned, one.pruned) << what;
  EXPECT_EQ(r.total_steps, one.total_steps) << what;
  EXPECT_EQ(r.max_depth, one.max_depth) << what;
  EXPECT_EQ(r.complete, one.complete) << what;
  ASSERT_EQ(r.bugs.size(), one.bugs.size()) << what;
  for (std::size_t i = 0; i < r.bugs.size(); ++i) {
    EXPECT_EQ(r.bugs[i].finding.key(), one.bugs[i].finding.key()) << what;
    EXPECT_EQ(r.bugs[i].execution, one.bugs[i].execution) << what;
    EXPECT_EQ(r.bugs[i].count, one.bugs[i].count) << what;
    EXPECT_EQ(r.bugs[i].schedule, one.bugs[i].schedule) << what;
    EXPECT_EQ(r.bugs[i].random, one.bugs[i].random) << what;
  }
}

// ---------------------------------------------------------------------------------------------
// DPOR: subtrees given away and spliced back

struct DporCase {
  const char* model;
  const char* variant;
  std::vector<std::string> params;
};

void PrintTo(const DporCase& c, std::ostream* os) {
  *os << c.model << ' ' << c.variant;
}

/// A case's name in test output: model_variant.
std::string case_name(const ::testing::TestParamInfo<DporCase>& info) {
  std::string name = std::string(info.param.model) + "_" + info.param.variant;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

SimModel bind_model(const DporCase& c) {
  const ModelInfo& info = find_model(c.model);
  return info.bind(resolve_params(info, c.variant, c.params)).sim;
}

ExploreResult one_thread(const SimModel& model, const ExploreOptions& options) {
  DporStrategy dpor;
  Checker checker(CheckerOptions{.explain = false});
  return explore(model, dpor, options, &checker);
}

class DporParts : public ::testing::TestWithParam<DporCase> {};

// Eager: every part gives a branch away whenever it has one. On one thread that order is fixed,
// so splicing, nested parts and spoiled parts are all exercised the same way on every run.
TEST_P(DporParts, SplitSearchGivesTheOneThreadResult) {
  const SimModel model = bind_model(GetParam());
  const ExploreOptions options = everything();
  const ExploreResult one = one_thread(model, options);
  ASSERT_TRUE(one.error.empty()) << one.error;
  for (unsigned jobs : {1u, 2u, 3u}) {
    for (bool eager : {true, false}) {
      if (jobs == 1 && !eager) continue;  // that is the search above
      DporParallelStats stats;
      const ExploreResult r = explore_dpor_parallel(model, options, jobs, kCheckers, &stats, eager);
      expect_same(r, one, std::to_string(jobs) + (eager ? " eager" : ""));
      if (eager) {
        EXPECT_GT(stats.parts, 0u) << jobs;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Parallel, DporParts,
    ::testing::Values(DporCase{"lastzero", "", {"n=6"}},
                      DporCase{"counter_heartbeat", "naive", {"size=3", "rounds=2"}},
                      DporCase{"counter_heartbeat", "locked", {"rounds=3"}},
                      DporCase{"counter_heartbeat", "cooperative", {}},
                      DporCase{"dining_philosophers", "naive", {"seats=3"}},
                      DporCase{"wakeup", "if_wait", {}},
                      // compare_exchange outcomes depend on the order: a branch's first step
                      // can differ from the wakeup-tree step that asked for it.
                      DporCase{"cas", "", {"n=4"}}, DporCase{"lockinc", "", {"n=4"}},
                      DporCase{"bank_transfer", "unlocked", {}},
                      DporCase{"races", "two_mutexes", {}}),
    case_name);

// Spoiled parts happen: a subtree given away grows before its turn, its giver explores it again,
// and the part's runs count for nothing. Without this the test above could pass with the spoil
// check never taken.
TEST(DporParts, SpoiledPartsAreExploredAgainByTheirGiver) {
  const SimModel model = bind_model(DporCase{"lastzero", "", {"n=6"}});
  DporParallelStats stats;
  const ExploreResult r = explore_dpor_parallel(model, everything(), 1, kCheckers, &stats, true);
  EXPECT_EQ(r.executions, 144u);
  EXPECT_GT(stats.spoiled, 0u);
}

/// Random values are enumerated too: a value decided before a given branch is fixed for its part,
/// its alternatives stay with the giver.
SimModel threads_with_values() {
  return simulated([](auto& env) {
    Shared<SimEnv, int> x(env, "x", 0);
    Shared<SimEnv, int> y(env, "y", 0);
    const int first = static_cast<int>(env.random(2));
    auto a = env.spawn("a", [&] {
      x.store(first + static_cast<int>(env.random(2)));
      y.store(1);
    });
    auto b = env.spawn("b", [&] {
      const int seen = x.load();
      y.store(seen + static_cast<int>(env.random(3)));
    });
    a.join();
    b.join();
    env.check(y.load() != 3, "y is never 3");
  });
}

TEST(DporParts, RandomValuesAreSplitAsOneThreadExploresThem) {
  const SimModel model = threads_with_values();
  const ExploreOptions options = everything();
  const ExploreResult one = one_thread(model, options);
  ASSERT_GT(one.bugs.size(), 0u);
  for (unsigned jobs : {1u, 2u, 3u}) {
    DporParallelStats stats;
    expect_same(explore_dpor_parallel(model, options, jobs, kCheckers, &stats, true), one,
                std::to_string(jobs));
    EXPECT_GT(stats.parts, 0u);
  }
}

// Without --all the search stops at the first bug, and budgets stop it where one thread would.
TEST(DporParts, StopsWhereOneThreadStops) {
  const SimModel model = bind_model(DporCase{"counter_heartbeat", "naive", {"size=3", "rounds=3"}});
  for (const uint64_t budget :
       {std::numeric_limits<uint64_t>::max(), uint64_t{7}, uint64_t{1460}}) {
    ExploreOptions options = everything();
    options.all = budget != std::numeric_limits<uint64_t>::max();
    options.max_executions = budget;
    const ExploreResult one = one_thread(model, options);
    for (unsigned jobs : {1u, 2u}) {
      expect_same(explore_dpor_parallel(model, options, jobs, kCheckers, nullptr, true), one,
                  std::to_string(jobs) + " threads, budget " + std::to_string(budget));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// dfs: subtrees of untried options given away, rounds of the preemption bound kept in order

ExploreResult dfs_one_thread(const SimModel& model, const ExploreOptions& options,
                             std::optional<uint32_t> bound) {
  DfsStrategy dfs(bound);
  Checker checker(CheckerOptions{.explain = false});
  return explore(model, dfs, options, &checker);
}

const std::optional<uint32_t> kRaise = std::numeric_limits<uint32_t>::max();

std::string bound_name(std::optional<uint32_t> bound) {
  if (!bound) return "no bound";
  return *bound == *kRaise ? "raised bound" : "bound " + std::to_string(*bound);
}

class DfsParts : public ::testing::TestWithParam<DporCase> {};

// With and without a bound: a bounded search runs rounds 0, 1, ... and counts in each only the
// runs earlier rounds did not, so the parts of a round must pass up whether the bound cut
// something off in them. Eager on one thread fixes the order of every give and splice.
TEST_P(DfsParts, SplitSearchGivesTheOneThreadResult) {
  const SimModel model = bind_model(GetParam());
  for (const std::optional<uint32_t> bound :
       {std::optional<uint32_t>(), std::optional<uint32_t>(0), std::optional<uint32_t>(1),
        std::optional<uint32_t>(2), kRaise}) {
    for (const bool all : {true, false}) {
      ExploreOptions options = everything();
      options.all = all;
      const ExploreResult one = dfs_one_thread(model, options, bound);
      ASSERT_TRUE(one.error.empty()) << one.error;
      for (unsigned jobs : {1u, 2u, 3u}) {
        for (bool eager : {true, false}) {
          if (jobs == 1 && !eager) continue;  // that is the search above
          DporParallelStats stats;
          const ExploreResult r =
              explore_dfs_parallel(model, options, bound, jobs, kCheckers, &stats, eager);
          const std::string what = bound_name(bound) + (all ? ", all, " : ", first bug, ") +
                                   std::to_string(jobs) + (eager ? " eager" : "");
          expect_same(r, one, what);
          if (eager && one.executions > 1) {
            EXPECT_GT(stats.parts, 0u) << what;
          }
          if (!bound && all) {  // every run counted once: no option explored twice
            EXPECT_EQ(stats.runs, one.executions + one.blocked + one.pruned) << what;
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Parallel, DfsParts,
    ::testing::Values(DporCase{"lastzero", "", {"n=3"}},
                      DporCase{"counter_heartbeat", "naive", {"size=2", "rounds=2"}},
                      DporCase{"counter_heartbeat", "locked", {"rounds=2"}},
                      DporCase{"counter_heartbeat", "cooperative", {"size=2"}},
                      DporCase{"dining_philosophers", "naive", {"seats=3"}},
                      DporCase{"wakeup", "if_wait", {}}, DporCase{"cas", "", {"n=3"}},
                      DporCase{"races", "two_mutexes", {}}),
    case_name);

TEST(DfsParts, RandomValuesAreSplitAsOneThreadExploresThem) {
  const SimModel model = threads_with_values();
  for (const std::optional<uint32_t> bound : {std::optional<uint32_t>(), kRaise}) {
    const ExploreResult one = dfs_one_thread(model, everything(), bound);
    ASSERT_GT(one.bugs.size(), 0u);
    for (unsigned jobs : {1u, 2u, 3u}) {
      DporParallelStats stats;
      expect_same(explore_dfs_parallel(model, everything(), bound, jobs, kCheckers, &stats, true),
                  one, bound_name(bound) + ", " + std::to_string(jobs));
      EXPECT_GT(stats.parts, 0u);
    }
  }
}

// Budgets stop the split search where one thread stops: repeated runs of a raised bound count
// towards --executions as they do on one thread.
TEST(DfsParts, StopsWhereOneThreadStops) {
  const SimModel model = bind_model(DporCase{"counter_heartbeat", "naive", {"size=2", "rounds=2"}});
  for (const std::optional<uint32_t> bound : {std::optional<uint32_t>(), kRaise}) {
    for (const uint64_t budget : {uint64_t{1}, uint64_t{7}, uint64_t{100}}) {
      ExploreOptions options = everything();
      options.max_executions = budget;
      const ExploreResult one = dfs_one_thread(model, options, bound);
      EXPECT_FALSE(one.complete);
      for (unsigned jobs : {1u, 2u}) {
        expect_same(explore_dfs_parallel(model, options, bound, jobs, kCheckers, nullptr, true),
                    one,
                    bound_name(bound) + ", " + std::to_string(jobs) + " threads, budget " +
                        std::to_string(budget));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// cancel (Ctrl-C on the command line): every search stops soon after, keeping what it found

/// The checker, which also sets `flag` once `after` runs have ended, on whichever thread (each
/// lane has its own).
class CancelAfter final : public Monitor {
 public:
  CancelAfter(std::atomic<bool>& flag, std::atomic<uint64_t>& runs, uint64_t after)
      : flag_(flag), runs_(runs), after_(after) {}
  void begin_run() override { checker_.begin_run(); }
  void end_run(std::vector<Finding>& findings) override {
    checker_.end_run(findings);
    if (runs_.fetch_add(1) + 1 >= after_) flag_.store(true);
  }
  void on_thread(ThreadId t, const char* name, ThreadId parent, ObjectId loop) override {
    checker_.on_thread(t, name, parent, loop);
  }
  void on_event(const Event& e) override { checker_.on_event(e); }
  bool wants_passing_checks() const override { return checker_.wants_passing_checks(); }

 private:
  Checker checker_{CheckerOptions{.explain = false}};
  std::atomic<bool>& flag_;
  std::atomic<uint64_t>& runs_;
  uint64_t after_;
};

TEST(Cancel, EverySearchStopsSoonAfterAndKeepsWhatItFound) {
  // 1,460 traces; far more interleavings.
  const SimModel naive = bind_model(DporCase{"counter_heartbeat", "naive", {"size=3", "rounds=3"}});
  constexpr uint64_t kAfter = 100;
  using Search = std::function<ExploreResult(const ExploreOptions&, const MonitorFactory&)>;
  const std::vector<std::pair<std::string, Search>> searches = {
      {"dpor, one thread",
       [&](const ExploreOptions& o, const MonitorFactory& m) {
         DporStrategy dpor;
         const std::unique_ptr<Monitor> monitor = m();
         return explore(naive, dpor, o, monitor.get());
       }},
      {"dpor, two threads",
       [&](const ExploreOptions& o, const MonitorFactory& m) {
         return explore_dpor_parallel(naive, o, 2, m);
       }},
      {"dfs, two threads",
       [&](const ExploreOptions& o, const MonitorFactory& m) {
         return explore_dfs_parallel(naive, o, std::nullopt, 2, m);
       }},
      {"dfs raising its preemption bound, two threads",
       [&](const ExploreOptions& o, const MonitorFactory& m) {
         return explore_dfs_parallel(naive, o, kRaise, 2, m);
       }},
      {"random, one thread",
       [&](const ExploreOptions& o, const MonitorFactory& m) {
         RandomStrategy random(5);
         const std::unique_ptr<Monitor> monitor = m();
         return explore(naive, random, o, monitor.get());
       }},
      {"random, two threads",
       [&](const ExploreOptions& o, const MonitorFactory& m) {
         std::unique_ptr<ExecutionSource> source =
             indexed_source([] { return std::make_unique<RandomStrategy>(5); });
         ExploreOptions handed_out = o;
         handed_out.parallel_min_run_s = 0;
         return explore_parallel(naive, *source, handed_out, 2, m);
       }},
  };
  for (const auto& [name, search] : searches) {
    std::atomic<bool> cancel{false};
    std::atomic<uint64_t> runs{0};
    ExploreOptions options = everything();
    options.cancel = &cancel;
    const ExploreResult r =
        search(options, [&] { return std::make_unique<CancelAfter>(cancel, runs, kAfter); });
    EXPECT_TRUE(r.cancelled) << name;
    EXPECT_FALSE(r.complete) << name;
    if (name.find("one thread") != std::string::npos) {
      // Checked before every execution: set during the 100th, seen before the 101st.
      EXPECT_EQ(r.executions, kAfter) << name;
    } else {
      // Counted in one thread's order: what other threads ran ahead may not count.
      EXPECT_LT(r.executions, 1000u) << name;
    }
    // Every run finds the race: whatever was counted keeps its bugs.
    EXPECT_EQ(r.bugs.empty(), r.executions == 0) << name;

    // Unset, it stops nothing; set before the search, nothing runs.
    std::atomic<bool> never{false};
    options.cancel = &never;
    options.max_executions = 300;  // (random never ends by itself)
    const ExploreResult budget = search(options, kCheckers);
    EXPECT_FALSE(budget.cancelled) << name;
    // (A raised bound's runs that an earlier round ran count once: fewer executions.)
    EXPECT_GT(budget.executions, 200u) << name;
    EXPECT_LE(budget.executions, 300u) << name;
    std::atomic<bool> already{true};
    options.cancel = &already;
    const ExploreResult none = search(options, kCheckers);
    EXPECT_TRUE(none.cancelled) << name;
    EXPECT_EQ(none.executions, 0u) << name;
  }
}

// ---------------------------------------------------------------------------------------------
// random and rr: executions run ahead on other threads

TEST(HandedOut, EveryRandomExecutionOnOtherThreadsGivesTheSameResult) {
  const ModelInfo& info = find_model("bank_transfer");
  const SimModel model = info.bind(resolve_params(info, "unlocked", {})).sim;
  ExploreOptions options;
  options.all = true;
  options.max_executions = 300;
  auto search = [&](unsigned jobs, double min_run_s) {
    options.parallel_min_run_s = min_run_s;
    std::unique_ptr<ExecutionSource> source =
        indexed_source([] { return std::make_unique<RandomStrategy>(5); });
    return explore_parallel(model, *source, options, jobs, kCheckers);
  };
  const ExploreResult one = search(1, -1);
  ASSERT_TRUE(one.error.empty()) << one.error;
  for (unsigned jobs : {2u, 3u}) {
    expect_same(search(jobs, /*min_run_s=*/0), one, std::to_string(jobs));  // hand out all
  }
}

/// pct on one thread (the results every J must give), having found a bug.
ExploreResult pct_on_one_thread(const SimModel& model, const ExploreOptions& options, uint64_t seed,
                                uint32_t depth) {
  PctStrategy pct(seed, depth);
  Checker checker(CheckerOptions{.explain = false});
  ExploreResult one = explore(model, pct, options, &checker);
  EXPECT_TRUE(one.error.empty()) << one.error;
  EXPECT_FALSE(one.bugs.empty());
  return one;
}

TEST(HandedOut, PctRunsAheadOnlyAsFarAsItsEstimateIsKnown) {
  // Runs of about 200 steps: the estimate grows from 64 at execution 1, and the executions run
  // ahead must draw their change points from it exactly as one thread does.
  const ModelInfo& info = find_model("counter_heartbeat");
  const SimModel model =
      info.bind(resolve_params(info, "naive", {"size=40", "rounds=1", "beats=2"})).sim;
  ExploreOptions options;
  options.all = true;
  options.max_executions = 200;
  const ExploreResult one = pct_on_one_thread(model, options, 3, 3);
  ASSERT_GT(one.max_depth, PctStrategy::kFirstEstimate);
  options.parallel_min_run_s = 0;  // hand out everything
  for (unsigned jobs : {2u, 3u}) {
    std::unique_ptr<ExecutionSource> source = pct_source(3, 3);
    expect_same(explore_parallel(model, *source, options, jobs, kCheckers), one,
                std::to_string(jobs));
  }
}

/// A source whose tasks run ahead all carry a wrong setting (and are never brought up to date).
class WrongGuesses final : public ExecutionSource {
 public:
  explicit WrongGuesses(std::unique_ptr<ExecutionSource> source) : source_(std::move(source)) {}
  bool next(Task& task) override { return source_->next(task); }
  void ahead(std::size_t count, const std::function<bool(uint64_t)>& known,
             std::vector<Task>& tasks) override {
    source_->ahead(count, known, tasks);
    for (Task& t : tasks) t.setting += 1;
  }
  std::unique_ptr<Strategy> lane_strategy() override { return source_->lane_strategy(); }
  void begin(Strategy& strategy, const Task& task) const override {
    source_->begin(strategy, task);
  }
  bool taken(const Task& task, const RunResult& run) override {
    source_->taken(task, run);
    return false;
  }
  double min_parallel_run_s() const override { return 0; }

 private:
  std::unique_ptr<ExecutionSource> source_;
};

TEST(HandedOut, PctRunsAgainWhatRanAheadOnAnEstimateThatGrew) {
  // Runs of random length: a longer one than any before comes now and then, so executions run
  // ahead past a refresh on the old estimate must be run again with the new one.
  // Whether the reader sees x below 100 depends on where the writer is demoted: on the estimate.
  const SimModel model = simulated([](auto& env) {
    Shared<SimEnv, int> x(env, "x");
    const uint64_t stores = 10 + env.random(300);
    auto writer = env.spawn("writer", [&] {
      for (uint64_t i = 0; i < stores; ++i) x.store(static_cast<int>(i));
    });
    auto reader = env.spawn("reader", [&] { env.check(x.load() < 100, "x is read below 100"); });
    writer.join();
    reader.join();
  });
  ExploreOptions options;
  options.all = true;
  options.max_executions = 400;
  const ExploreResult one = pct_on_one_thread(model, options, 11, 2);
  options.parallel_min_run_s = 0;
  for (unsigned jobs : {2u, 4u}) {
    std::unique_ptr<ExecutionSource> source = pct_source(11, 2);
    expect_same(explore_parallel(model, *source, options, jobs, kCheckers), one,
                std::to_string(jobs));
  }
  // Every task run ahead with a wrong estimate: each is run again, and nothing changes.
  for (unsigned jobs : {2u, 3u}) {
    WrongGuesses wrong(pct_source(11, 2));
    expect_same(explore_parallel(model, wrong, options, jobs, kCheckers), one,
                "wrong guesses on " + std::to_string(jobs));
  }
}

}  // namespace
}  // namespace interleave
