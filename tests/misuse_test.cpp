// The model API as users meet it: models that misuse it, or never end while a thread is inside
// a destructor, give findings and never crash the tool; atomics have std::atomic's names.
#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "checker/checker.hpp"
#include "models/bind.hpp"
#include "models/native_run.hpp"
#include "models/std_env.hpp"
#include "sim/dfs_strategy.hpp"
#include "sim/dpor_strategy.hpp"
#include "sim/random_strategy.hpp"
#include "sim/runner.hpp"

namespace interleave {
namespace {

bool has_kind(const ExploreResult& r, FindingKind kind) {
  return std::any_of(r.bugs.begin(), r.bugs.end(),
                     [&](const BugRecord& b) { return b.finding.kind == kind; });
}

TEST(Misuse, AStepLimitThatEndsTheRunInsideADestructorIsAFindingNotACrash) {
  // A thread forever taking a scoped lock: at the step limit it may wait to run the unlock in
  // ScopedLock's destructor, and the run ends there.
  const SimModel model = simulated([](auto& env) {
    Mutex<SimEnv> m(env, "m");
    auto t = env.spawn("locker", [&] {
      for (;;) ScopedLock<Mutex<SimEnv>> held(m);
    });
    auto u = env.spawn("other", [&] {
      for (;;) ScopedLock<Mutex<SimEnv>> held(m);
    });
    t.join();
    u.join();
  });
  RandomStrategy strategy(3);
  ExploreOptions options;
  options.max_executions = 50;
  options.all = true;
  options.execution.step_limit = 301;
  const ExploreResult r = explore(model, strategy, options);
  EXPECT_EQ(r.executions, 50u);
  EXPECT_TRUE(has_kind(r, FindingKind::kStepLimit));
}

/// A thread whose handle is dropped without a join, while it still uses its spawner's locals.
SimModel never_joined() {
  return simulated([](auto& env) {
    Shared<SimEnv, int> x(env, "x", 0);
    auto t = env.spawn("forgotten", [&] {
      x.store(1);
      x.store(2);
    });
    x.store(3);
  });  // t destroyed while joinable, then x
}

TEST(Misuse, AThreadNeverJoinedIsAFindingUnderEveryStrategy) {
  ExploreOptions options;
  options.all = true;
  options.max_executions = 200;
  DporStrategy dpor;
  DfsStrategy dfs;
  RandomStrategy random(1);
  for (Strategy* s : std::initializer_list<Strategy*>{&dpor, &dfs, &random}) {
    const ExploreResult r = explore(never_joined(), *s, options);
    ASSERT_TRUE(r.error.empty()) << s->name() << ": " << r.error;
    ASSERT_FALSE(r.bugs.empty()) << s->name();
    const BugRecord* found = nullptr;
    for (const BugRecord& b : r.bugs) {
      if (b.finding.message.find("'forgotten' was never joined") != std::string::npos) found = &b;
    }
    ASSERT_NE(found, nullptr) << s->name();
    EXPECT_EQ(found->finding.kind, FindingKind::kException) << s->name();
    EXPECT_EQ(found->count, r.executions) << s->name();  // every run
  }
}

TEST(Misuse, ThreadsNeverJoinedInAContainerAreAFindingToo) {
  const SimModel model = simulated([](auto& env) {
    Shared<SimEnv, int> x(env, "x", 0);
    std::vector<SimEnv::Thread> threads;
    for (int i = 0; i < 2; ++i) threads.push_back(env.spawn("kept", [&] { x.store(1); }));
  });
  DporStrategy dpor;
  ExploreOptions options;
  options.all = true;
  const ExploreResult r = explore(model, dpor, options);
  ASSERT_FALSE(r.bugs.empty());
  EXPECT_NE(r.bugs.front().finding.message.find("'kept' was never joined"), std::string::npos);
}

TEST(Misuse, JoinedThreadsMovedTaskHandlesAndLoopTasksAreNoFinding) {
  const SimModel model = simulated([](auto& env) {
    Shared<SimEnv, int> x(env, "x", 0);
    std::vector<SimEnv::Thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.push_back(env.spawn("worker", [&] { (void)x.load(); }));
    }
    SimEnv::Thread moved = std::move(threads.back());
    threads.pop_back();
    EventLoop<SimEnv> loop(env, "loop");
    loop.spawn("task", [&] { loop.yield_now(); });  // the loop joins its tasks
    loop.run();
    threads.front().join();
    moved.join();
  });
  DporStrategy dpor;
  ExploreOptions options;
  options.all = true;
  const ExploreResult r = explore(model, dpor, options);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.bugs.empty()) << r.bugs.front().finding.message;
}

TEST(Misuse, ASimulatedConditionVariableTakesAnIndexAsTheNativeOneDoes) {
  // A waiter nobody notifies: the deadlock names the condition variable with its index.
  const SimModel model = simulated([](auto& env) {
    Mutex<SimEnv> m(env, "m");
    CondVar<SimEnv> cv(env, "slot", 1);
    m.lock();
    cv.wait(m);
    m.unlock();
  });
  DporStrategy dpor;
  ExploreOptions options;
  const ExploreResult r = explore(model, dpor, options);
  ASSERT_EQ(r.bugs.size(), 1u);
  EXPECT_EQ(r.bugs[0].finding.kind, FindingKind::kDeadlock);
  const std::string all = r.bugs[0].finding.message + " " +
                          (r.bugs[0].finding.details.empty() ? "" : r.bugs[0].finding.details[0]);
  EXPECT_NE(all.find("waits on condition variable 'slot[1]'"), std::string::npos) << all;
}

/// Two owners drop a reference with fetch_sub; the one that drops the last frees, once.
template <class Env>
void release_twice(Env& env, int& frees) {
  Atomic<Env, int> refs(env, "refs", 2);
  auto drop = [&] {
    if (refs.fetch_sub(1) == 1) ++frees;
  };
  auto a = env.spawn("a", drop);
  auto b = env.spawn("b", drop);
  a.join();
  b.join();
  int expected = 0;
  env.check(!refs.compare_exchange_strong(expected, 5) || frees == 1, "freed exactly once");
  env.check(refs.load() == 5, "the count reached 0 and was swapped");
}

TEST(Misuse, FetchSubAndCompareExchangeStrongAsStdAtomicHasThem) {
  int frees = 0;
  const SimModel model = simulated([&frees](auto& env) {
    frees = 0;
    release_twice(env, frees);
  });
  DporStrategy dpor;
  ExploreOptions options;
  options.all = true;
  const ExploreResult r = explore(model, dpor, options);
  EXPECT_EQ(r.executions, 2u);  // the two decrements in either order
  EXPECT_TRUE(r.bugs.empty()) << r.bugs.front().finding.message;
  NativeRun run;
  StdEnv env(run);
  int native_frees = 0;
  auto body = [&] { release_twice(env, native_frees); };
  env.guarded("main", body);
  EXPECT_EQ(native_frees, 1);
  EXPECT_TRUE(run.findings().empty());
}

/// Two threads increment a counter with compare_exchange_weak in a retry loop, as code written
/// for std::atomic does; a publishes the data it wrote before by its increment, if `order`
/// releases.
template <class Env>
void weak_cas_counter(Env& env, std::memory_order order) {
  Atomic<Env, int> n(env, "n", 0);
  Shared<Env, int> a_data(env, "a_data", 0);
  auto increment = [&] {
    int seen = n.load(std::memory_order_relaxed);
    while (!n.compare_exchange_weak(seen, seen + 1, order, std::memory_order_relaxed)) {
    }
  };
  auto a = env.spawn("a", [&] {
    a_data.store(1);
    increment();
  });
  auto b = env.spawn("b", [&] {
    increment();
    if (n.load(std::memory_order_acquire) == 2) env.check(a_data.load() == 1, "a's data is in");
  });
  a.join();
  b.join();
  env.check(n.load() == 2, "no increment is lost");
}

TEST(Misuse, CompareExchangeWeakInARetryLoopAsStdAtomicHasIt) {
  DporStrategy dpor;
  Checker checker;
  ExploreOptions options;
  options.all = true;
  auto model = [](std::memory_order order) {
    return simulated([order](auto& env) { weak_cas_counter(env, order); });
  };
  const ExploreResult r = explore(model(std::memory_order_acq_rel), dpor, options, &checker);
  ASSERT_TRUE(r.complete && r.error.empty()) << r.error;
  EXPECT_GT(r.executions, 2u);  // a failed compare-exchange retries in some
  EXPECT_TRUE(r.bugs.empty()) << r.bugs.front().finding.message;
  // Relaxed increments count right but publish nothing: b's read of a's data races.
  DporStrategy dpor_again;
  const ExploreResult relaxed =
      explore(model(std::memory_order_relaxed), dpor_again, options, &checker);
  ASSERT_EQ(relaxed.bugs.size(), 1u);
  EXPECT_EQ(relaxed.bugs[0].finding.kind, FindingKind::kDataRace);
  EXPECT_NE(relaxed.bugs[0].finding.message.find("a_data"), std::string::npos)
      << relaxed.bugs[0].finding.message;
  NativeRun run;
  StdEnv env(run);
  auto body = [&] { weak_cas_counter(env, std::memory_order_acq_rel); };
  env.guarded("main", body);
  EXPECT_TRUE(run.findings().empty());
}

TEST(Misuse, AnOrderStdAtomicDoesNotAllowIsAFindingAndRunsAsSeqCst) {
  // A store with acquire and a load with release: undefined for std::atomic. The misuses are
  // reported, and the flag still publishes the data (each runs as seq_cst): no race.
  const SimModel model = simulated([](auto& env) {
    Shared<SimEnv, int> data(env, "data", 0);
    Atomic<SimEnv, bool> flag(env, "flag", false);
    auto writer = env.spawn("writer", [&] {
      data.store(1);
      flag.store(true, std::memory_order_acquire);
    });
    auto reader = env.spawn("reader", [&] {
      if (flag.load(std::memory_order_release)) (void)data.load();
    });
    writer.join();
    reader.join();
  });
  DporStrategy dpor;
  Checker checker;
  ExploreOptions options;
  options.all = true;
  const ExploreResult r = explore(model, dpor, options, &checker);
  ASSERT_TRUE(r.complete && r.error.empty()) << r.error;
  std::vector<std::string> messages;
  for (const BugRecord& b : r.bugs) {
    EXPECT_NE(b.finding.kind, FindingKind::kDataRace) << b.finding.message;
    messages.push_back(b.finding.message);
  }
  ASSERT_EQ(messages.size(), 2u);
  std::sort(messages.begin(), messages.end());
  EXPECT_NE(messages[0].find("load with memory_order_release on 'flag', which std::atomic does "
                             "not allow"),
            std::string::npos)
      << messages[0];
  EXPECT_NE(messages[1].find("store with memory_order_acquire on 'flag'"), std::string::npos)
      << messages[1];
}

}  // namespace
}  // namespace interleave
