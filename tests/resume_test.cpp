// Kept states (ExecutionConfig::resumable): a dfs search that resumes its runs from states
// earlier runs kept finds exactly what one that re-runs every prefix finds (the same executions,
// steps and bugs, each first found in the same execution), alone and with the checker, bounded,
// split between threads, and on models that deadlock, throw, block, wait, draw random values,
// spawn threads late, never end or keep big arrays; and it does resume most runs.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "checker/checker.hpp"
#include "models/registry.hpp"
#include "models/sim_env.hpp"
#include "models/std_env.hpp"
#include "sim/dfs_strategy.hpp"
#include "sim/fiber_switch.hpp"
#include "sim/parallel.hpp"
#include "sim/runner.hpp"
#include "tests/search_summary.hpp"

namespace interleave {
namespace {

// States are kept only where our fiber switch runs: not under a sanitizer (the sanitizers track
// stacks a copy would bypass), nor off x86-64. There the searches must still agree, but none
// resumes.
constexpr bool kKeeps = INTERLEAVE_FIBER_SWITCH;

const CheckerOptions kLean{.races = true, .lock_order = true, .explain = false};

SimModel registry_model(const std::string& name, const std::string& variant,
                        const std::vector<std::string>& params) {
  const ModelInfo& info = find_model(name);
  return info.bind(resolve_params(info, variant, params)).sim;
}

ExploreOptions search_options(bool resumable, uint64_t max_executions = UINT64_MAX) {
  ExploreOptions options;
  options.all = true;
  options.max_executions = max_executions;
  options.execution.resumable = resumable;
  return options;
}

/// dfs (bounded by `bound` if given) over `model`, resuming runs and re-running them, with and
/// without the checker: the same results; and where there are 10 executions or more, most of
/// the resuming search's runs were resumed (some, if not `most_resumed`). Returns the search
/// that re-ran every prefix.
ExploreResult expect_resuming_changes_nothing(const SimModel& model, const std::string& what,
                                              std::optional<uint32_t> bound = std::nullopt,
                                              uint64_t max_executions = UINT64_MAX,
                                              uint64_t step_limit = 100'000,
                                              bool most_resumed = true) {
  ExploreResult rerun;
  for (const bool checked : {false, true}) {
    ExploreResult r[2];
    for (const bool resumable : {false, true}) {
      ExploreOptions options = search_options(resumable, max_executions);
      options.execution.step_limit = step_limit;
      DfsStrategy dfs(bound);
      Checker checker(kLean);
      r[resumable] = explore(model, dfs, options, checked ? &checker : nullptr);
    }
    const std::string label = what + (checked ? ", with the checker" : ", alone");
    EXPECT_EQ(search_summary(r[1]), search_summary(r[0])) << label;
    EXPECT_EQ(r[0].resumed, 0u) << label;
    const uint64_t runs = r[1].executions + r[1].blocked;
    if (kKeeps && runs >= 10) {
      EXPECT_GT(r[1].resumed, most_resumed ? runs / 2 : 0) << label;
    }
    if (!checked) rerun = r[0];
  }
  return rerun;
}

TEST(Resume, TheFlagshipsSearchesFindTheSameAsRerunningEveryPrefix) {
  struct Case {
    std::string variant;
    std::vector<std::string> params;
  };
  for (const auto& [variant, params] :
       std::vector<Case>{{"naive", {"size=2", "rounds=1"}},
                         {"naive", {"size=3", "rounds=2"}},
                         {"naive", {"size=2", "rounds=3"}},
                         {"locked", {"rounds=3"}},
                         {"locked_yield", {"rounds=3"}},
                         {"cooperative", {"rounds=2"}}}) {
    std::string what = variant;
    for (const std::string& p : params) what += " " + p;
    const SimModel model = registry_model("counter_heartbeat", variant, params);
    const ExploreResult r = expect_resuming_changes_nothing(model, what);
    EXPECT_TRUE(r.complete) << what;
    EXPECT_EQ(r.bugs.empty(), variant != "naive") << what;  // a must-be-caught, must-stay-clean
  }
  // The registry says the flagship may be resumed; the command line's search does so.
  EXPECT_TRUE(find_model("counter_heartbeat").resumable);
}

TEST(Resume, BoundedSearchesFindTheSameInEveryRound) {
  const SimModel model = registry_model("counter_heartbeat", "naive", {"size=3", "rounds=2"});
  for (const uint32_t bound : {0u, 1u, 2u}) {
    expect_resuming_changes_nothing(model, "bound " + std::to_string(bound), bound);
  }
}

/// Two threads lock two mutexes in opposite orders (a deadlock); one of them throws in some
/// runs while holding both (unwinding through its unlocks); a thread spawned late (after states
/// were kept) waits on a condition variable for main; a false assume blocks some runs and a check
/// fails in others. Every state is on the threads' stacks or in simulated objects.
void tangle(Execution& x) {
  SimEnv env(x);
  Shared<SimEnv, int> a(env, "a");
  SharedArray<SimEnv, int> cells(env, "cells", 2);
  Mutex<SimEnv> m1(env, "m1");
  Mutex<SimEnv> m2(env, "m2");
  CondVar<SimEnv> cv(env, "cv");
  auto left = env.spawn("left", [&] {
    ScopedLock<Mutex<SimEnv>> first(m1);
    ScopedLock<Mutex<SimEnv>> second(m2);
    a.store(1);
  });
  auto right = env.spawn("right", [&] {
    ScopedLock<Mutex<SimEnv>> first(m2);
    ScopedLock<Mutex<SimEnv>> second(m1);
    if (a.load() == 0) throw std::logic_error("right took both locks first");
  });
  const int seen = a.load();
  auto late = env.spawn("late", [&] {
    ScopedLock<Mutex<SimEnv>> held(m1);
    while (cells[0].load() == 0) cv.wait(m1);
    env.assume(!(seen == 1 && cells[1].load() == 0));
  });
  {
    ScopedLock<Mutex<SimEnv>> held(m1);
    cells[0].store(1);
    cv.notify_one();
  }
  cells[1].store(seen);
  env.check(seen == 0, "main saw left's store");
  left.join();
  right.join();
  late.join();
}

TEST(Resume, DeadlocksExceptionsBlockedRunsAndWaitsFindTheSame) {
  // Bounded to 2 preemptions: the whole space of four threads is too big for a test.
  const ExploreResult r = expect_resuming_changes_nothing(tangle, "tangle", 2);
  EXPECT_TRUE(r.complete);
  EXPECT_GT(r.blocked, 0u);
  bool deadlock = false;
  bool threw = false;
  bool check = false;
  for (const BugRecord& b : r.bugs) {
    deadlock |= b.finding.kind == FindingKind::kDeadlock;
    threw |= b.finding.kind == FindingKind::kException;
    check |= b.finding.kind == FindingKind::kInvariant;
  }
  EXPECT_TRUE(deadlock && threw && check) << search_summary(r);
}

TEST(Resume, RandomValuesAndRunsThatNeverEndFindTheSame) {
  // A random value drawn after the first branches, and a spin that never ends in the runs where
  // its thread keeps the processor: the step limit ends them. No state is kept after a draw, and
  // the first runs of dfs vary only steps after it: only some runs are resumed.
  const SimModel model = [](Execution& x) {
    SimEnv env(x);
    Shared<SimEnv, int> flag(env, "flag");
    Shared<SimEnv, uint64_t> drawn(env, "drawn");
    auto spinner = env.spawn("spinner", [&] {
      while (flag.load() == 0) {
      }
    });
    auto drawer = env.spawn("drawer", [&] {
      const int before = flag.load();
      drawn.store(env.random(3) + static_cast<uint64_t>(before) + 1);
      env.check(drawn.load() != 3 || flag.load() == 1, "drew 2 before the flag was set");
    });
    flag.store(1);
    spinner.join();
    drawer.join();
  };
  const ExploreResult r =
      expect_resuming_changes_nothing(model, "spin and draw", std::nullopt, 3000, 40, false);
  bool limit = false;
  for (const BugRecord& b : r.bugs) limit |= b.finding.kind == FindingKind::kStepLimit;
  EXPECT_TRUE(limit) << search_summary(r);
}

TEST(Resume, BigArraysFindTheSame) {
  // 20,000 elements: each state copies 160 KB of run memory, and the states kept stop at their
  // budget.
  const SimModel model = registry_model("counter_heartbeat", "naive",
                                        {"size=20000", "rounds=1", "beats=1"});
  expect_resuming_changes_nothing(model, "naive size=20000", std::nullopt, 150);
}

TEST(Resume, SearchesSplitBetweenThreadsFindTheSame) {
  const SimModel model = registry_model("counter_heartbeat", "naive", {"size=3", "rounds=2"});
  const MonitorFactory checkers = [] { return std::make_unique<Checker>(kLean); };
  for (const std::optional<uint32_t> bound : {std::optional<uint32_t>(), std::optional(1u)}) {
    const ExploreResult rerun =
        explore_dfs_parallel(model, search_options(false), bound, 2, checkers, nullptr, true);
    const ExploreResult resumed =
        explore_dfs_parallel(model, search_options(true), bound, 2, checkers, nullptr, true);
    EXPECT_EQ(search_summary(resumed), search_summary(rerun));
    if (!bound) {
      EXPECT_EQ(rerun.executions, 18'564u);  // every merge of 12 counter steps and 6 loads
    }
  }
}

}  // namespace
}  // namespace interleave
