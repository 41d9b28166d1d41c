// The simulator's mechanism: scheduling, sync objects, findings, determinism, teardown.
#include "sim/execution.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "checker/checker.hpp"
#include "models/bind.hpp"
#include "models/counter_heartbeat.hpp"
#include "sim/fiber_sanitizer.hpp"
#include "sim/random_strategy.hpp"
#include "sim/replay_strategy.hpp"
#include "sim/rr_strategy.hpp"
#include "sim/runner.hpp"
#include "sim/trace.hpp"

namespace interleave {
namespace {

ExploreResult random_search(const SimModel& model, uint64_t executions, bool all = true,
                            uint64_t seed = 1) {
  RandomStrategy strategy(seed);
  ExploreOptions options;
  options.max_executions = executions;
  options.all = all;
  return explore(model, strategy, options);
}

bool has_kind(const ExploreResult& r, FindingKind kind) {
  return std::any_of(r.bugs.begin(), r.bugs.end(),
                     [&](const BugRecord& b) { return b.finding.kind == kind; });
}

/// Two threads increment a shared counter, with or without a mutex; main checks the total.
SimModel increments(bool locked) {
  return simulated([locked](auto& env) {
    Shared<SimEnv, int> count(env, "count", 0);
    Mutex<SimEnv> m(env, "m");
    auto bump = [&] {
      if (locked) m.lock();
      count.store(count.load() + 1);
      if (locked) m.unlock();
    };
    auto a = env.spawn("a", bump);
    auto b = env.spawn("b", bump);
    a.join();
    b.join();
    env.check(count.load() == 2, "both increments land");
  });
}

/// Threads named at run time: the names outlive the strings the model built them from.
template <class Env>
void named_workers(Env& env) {
  std::vector<typename Env::Thread> workers;
  for (int i = 0; i < 3; ++i) {
    std::string name = "worker " + std::to_string(i);
    workers.push_back(env.spawn(name, [&env, i] { env.check(i != 2, "worker 2 fails"); }));
  }  // `name` is gone before the threads run
  for (auto& w : workers) w.join();
}

TEST(Execution, ThreadNamesBuiltAtRunTimeAreKept) {
  const SimModel model = simulated([](auto& env) { named_workers(env); });
  for (uint64_t seed = 1; seed <= 5; ++seed) {  // whatever the order the threads run in
    RandomStrategy random(seed);
    EventRecorder recorder;  // a listener: the run explains its findings
    const RunResult r = run_once(model, random, &recorder, ExecutionConfig{});
    EXPECT_EQ(recorder.threads(),
              (std::vector<std::string>{"main", "worker 0", "worker 1", "worker 2"}));
    ASSERT_EQ(r.findings.size(), 1u);
    const std::vector<std::string>& details = r.findings[0].details;
    ASSERT_FALSE(details.empty());
    EXPECT_NE(details[0].find("thread 'worker 2'"), std::string::npos) << details[0];
  }
}

TEST(Execution, UnlockedIncrementsLoseAnUpdate) {
  const ExploreResult r = random_search(increments(false), 2000);
  ASSERT_TRUE(has_kind(r, FindingKind::kInvariant));
  EXPECT_LT(r.bugs[0].count, r.executions);  // some schedules are fine, some lose an update
  EXPECT_NE(r.bugs[0].finding.message.find("both increments land"), std::string::npos);
}

TEST(Execution, MutexMakesIncrementsAtomic) {
  const ExploreResult r = random_search(increments(true), 2000);
  EXPECT_TRUE(r.bugs.empty());
  EXPECT_EQ(r.executions, 2000u);
}

TEST(Execution, StopsAtTheFirstBugUnlessAll) {
  const ExploreResult r = random_search(increments(false), 2000, /*all=*/false);
  ASSERT_EQ(r.bugs.size(), 1u);
  EXPECT_EQ(r.executions, r.bugs[0].execution);
}

TEST(Execution, SameSeedGivesTheSameSchedules) {
  const ExploreResult a = random_search(increments(false), 300, true, 7);
  const ExploreResult b = random_search(increments(false), 300, true, 7);
  const ExploreResult c = random_search(increments(false), 300, true, 8);
  ASSERT_FALSE(a.bugs.empty());
  EXPECT_EQ(a.bugs[0].schedule, b.bugs[0].schedule);
  EXPECT_EQ(a.bugs[0].count, b.bugs[0].count);
  EXPECT_EQ(a.total_steps, b.total_steps);
  EXPECT_NE(a.bugs[0].count + a.bugs[0].execution * 1000,
            c.bugs[0].count + c.bugs[0].execution * 1000);
}

TEST(Execution, ReplayReproducesTheFailingRun) {
  const SimModel model = increments(false);
  const ExploreResult r = random_search(model, 2000, false);
  ASSERT_EQ(r.bugs.size(), 1u);
  ReplayStrategy replay(r.bugs[0].schedule, r.bugs[0].random);
  EventRecorder recorder;
  RunRecord record;
  const RunResult run = run_once(model, replay, &recorder, {}, &record);
  const std::vector<ThreadId>& schedule = record.schedule;
  EXPECT_EQ(run.status, RunStatus::kCompleted);
  EXPECT_EQ(schedule, r.bugs[0].schedule);
  ASSERT_EQ(run.findings.size(), 1u);
  EXPECT_EQ(run.findings[0].message, r.bugs[0].finding.message);
  EXPECT_EQ(run.findings[0].step, r.bugs[0].finding.step);
  EXPECT_FALSE(recorder.events().empty());
}

TEST(Execution, ReplayRejectsAThreadThatIsNotEnabled) {
  // Step 0 can only be main's store; naming thread 5 must abandon the run with a reason.
  ReplayStrategy replay({ThreadId{5}}, {});
  const RunResult run = run_once(increments(false), replay, nullptr, {});
  EXPECT_EQ(run.status, RunStatus::kAbandoned);
  EXPECT_NE(run.abandon_reason.find("step 0 names thread 5"), std::string::npos)
      << run.abandon_reason;
}

TEST(Execution, ReplayThatRunsOutOfScheduleIsAbandoned) {
  ReplayStrategy replay({ThreadId{0}}, {});
  const RunResult run = run_once(increments(false), replay, nullptr, {});
  EXPECT_EQ(run.status, RunStatus::kAbandoned);
  EXPECT_NE(run.abandon_reason.find("schedule ends at step 1"), std::string::npos);
}

TEST(Execution, ReplayThatRunsOnGoesPastTheScheduleWithTheRunningThread) {
  // As a trace saved at a stack overflow is replayed: its schedule ends before the run does.
  ReplayStrategy replay({ThreadId{0}}, {}, /*runs_on=*/true);
  RunRecord record;
  const RunResult run = run_once(increments(false), replay, nullptr, {}, &record);
  EXPECT_EQ(run.status, RunStatus::kCompleted) << run.abandon_reason;
  ASSERT_GT(record.schedule.size(), 2u);
  EXPECT_EQ(record.schedule[0], ThreadId{0});
}

TEST(Execution, OppositeLockOrderDeadlocksAndNamesTheBlockedThreads) {
  const SimModel model = simulated([](auto& env) {
    Mutex<SimEnv> a(env, "a");
    Mutex<SimEnv> b(env, "b");
    auto t1 = env.spawn("t1", [&] {
      a.lock();
      b.lock();
      b.unlock();
      a.unlock();
    });
    auto t2 = env.spawn("t2", [&] {
      b.lock();
      a.lock();
      a.unlock();
      b.unlock();
    });
    t1.join();
    t2.join();
  });
  const ExploreResult r = random_search(model, 2000);
  ASSERT_TRUE(has_kind(r, FindingKind::kDeadlock));
  const auto it = std::find_if(r.bugs.begin(), r.bugs.end(), [](const BugRecord& b) {
    return b.finding.kind == FindingKind::kDeadlock;
  });
  std::string details;
  for (const std::string& d : it->finding.details) details += d + "\n";
  EXPECT_NE(details.find("thread 't1' waits to lock 'b' held by 't2'"), std::string::npos)
      << details;
  EXPECT_NE(details.find("thread 't2' waits to lock 'a' held by 't1'"), std::string::npos);
  EXPECT_NE(details.find("thread 'main' waits to join 't1'"), std::string::npos);
  EXPECT_LT(it->count, r.executions);  // most schedules complete
}

TEST(Execution, NeverEndingModelHitsTheStepLimit) {
  const SimModel model = simulated([](auto& env) {
    Shared<SimEnv, int> x(env, "x");
    for (;;) x.store(1);
  });
  RandomStrategy strategy(1);
  ExploreOptions options;
  options.max_executions = 3;
  options.execution.step_limit = 500;
  const ExploreResult r = explore(model, strategy, options);
  ASSERT_EQ(r.bugs.size(), 1u);
  EXPECT_EQ(r.bugs[0].finding.kind, FindingKind::kStepLimit);
  EXPECT_EQ(r.bugs[0].steps, 500u);
}

TEST(Execution, AnIndexPastTheEndOfASharedArrayIsAFinding) {
  // Natively it reads or writes past the array; simulated, the thread throws.
  const SimModel model = simulated([](auto& env) {
    SharedArray<std::decay_t<decltype(env)>, int> cells(env, "cells", 3);
    auto t = env.spawn("writer", [&] {
      for (std::size_t i = 0; i <= cells.size(); ++i) cells[i].store(1);
    });
    t.join();
  });
  const ExploreResult r = random_search(model, 2);
  ASSERT_EQ(r.bugs.size(), 1u);
  EXPECT_EQ(r.bugs[0].finding.kind, FindingKind::kException);
  EXPECT_NE(
      r.bugs[0].finding.message.find("'writer' threw: index 3 past the end of 'cells' (size 3)"),
      std::string::npos)
      << r.bugs[0].finding.message;
}

TEST(Execution, ExceptionInAThreadIsAFindingNotACrash) {
  const SimModel model = simulated([](auto& env) {
    auto t = env.spawn("worker", [] { throw std::runtime_error("disk on fire"); });
    t.join();
  });
  const ExploreResult r = random_search(model, 5);
  ASSERT_EQ(r.bugs.size(), 1u);
  EXPECT_EQ(r.bugs[0].finding.kind, FindingKind::kException);
  EXPECT_NE(r.bugs[0].finding.message.find("'worker' threw: disk on fire"), std::string::npos);
  EXPECT_EQ(r.bugs[0].count, 5u);
}

TEST(Execution, FalseAssumeBlocksTheRunWithoutABug) {
  const SimModel model = simulated([](auto& env) {
    Shared<SimEnv, int> x(env, "x");
    auto t = env.spawn("t", [&] { x.store(1); });
    const int seen = x.load();
    env.assume(seen == 1);  // keep only the schedules where the child wrote first
    t.join();
    env.check(seen == 1, "assumed");
  });
  const ExploreResult r = random_search(model, 400);
  EXPECT_TRUE(r.bugs.empty());
  EXPECT_GT(r.blocked, 0u);
  EXPECT_GT(r.executions, 0u);
  EXPECT_EQ(r.executions + r.blocked, 400u);
}

TEST(Execution, RandomValuesComeFromTheStrategyAndReplay) {
  const SimModel model = simulated([](auto& env) {
    const uint64_t v = env.random(1000);
    env.check(v != 7, "the model never picks 7");
  });
  const ExploreResult r = random_search(model, 20000, false);
  ASSERT_EQ(r.bugs.size(), 1u);
  ASSERT_EQ(r.bugs[0].random, std::vector<uint64_t>{7});
  ReplayStrategy replay({}, r.bugs[0].random);
  const RunResult run = run_once(model, replay, nullptr, {});
  EXPECT_EQ(run.findings.size(), 1u);
}

TEST(Execution, UnfinishedThreadsAreUnwound) {
  static int alive = 0;
  struct Guard {
    Guard() { ++alive; }
    ~Guard() { --alive; }
  };
  const SimModel model = simulated([](auto& env) {
    Mutex<SimEnv> m(env, "m");
    m.lock();
    auto t = env.spawn("stuck", [&] {
      Guard g;
      m.lock();  // never succeeds: main holds m and joins
    });
    Guard g;
    t.join();
  });
  const ExploreResult r = random_search(model, 10);
  ASSERT_EQ(r.bugs.size(), 1u);
  EXPECT_EQ(r.bugs[0].finding.kind, FindingKind::kDeadlock);
  EXPECT_EQ(alive, 0);  // both guards' destructors ran when the run was torn down
}

TEST(Execution, ConditionVariableHandsOverWithWhileLoop) {
  const SimModel model = simulated([](auto& env) {
    Mutex<SimEnv> m(env, "m");
    CondVar<SimEnv> cv(env, "cv");
    Shared<SimEnv, bool> ready(env, "ready", false);
    auto consumer = env.spawn("consumer", [&] {
      m.lock();
      while (!ready.load()) cv.wait(m);
      env.check(ready.load(), "woken only when ready");
      m.unlock();
    });
    m.lock();
    ready.store(true);
    cv.notify_one();
    m.unlock();
    consumer.join();
  });
  const ExploreResult r = random_search(model, 3000);
  EXPECT_TRUE(r.bugs.empty()) << r.bugs[0].finding.message;
}

TEST(Execution, NotifyBeforeWaitIsALostWakeup) {
  const SimModel model = simulated([](auto& env) {
    Mutex<SimEnv> m(env, "m");
    CondVar<SimEnv> cv(env, "cv");
    auto consumer = env.spawn("consumer", [&] {
      m.lock();
      cv.wait(m);  // no predicate: a notify that came first is lost
      m.unlock();
    });
    m.lock();
    cv.notify_one();
    m.unlock();
    consumer.join();
  });
  const ExploreResult r = random_search(model, 3000);
  ASSERT_TRUE(has_kind(r, FindingKind::kDeadlock));
  std::string details;
  for (const std::string& d : r.bugs[0].finding.details) details += d + "\n";
  EXPECT_NE(details.find("thread 'consumer' waits on condition variable 'cv'"), std::string::npos)
      << details;
}

/// Runs the current thread on while it can; when it cannot, the next thread of `script` (or,
/// past the script, the first enabled one). One execution.
class ScriptedStrategy final : public Strategy {
 public:
  explicit ScriptedStrategy(std::vector<uint32_t> script) : script_(std::move(script)) {}
  bool begin_execution(uint64_t index) override { return index == 0; }
  ThreadId pick(const ChoicePoint& point) override {
    const auto can = [&](ThreadId t) {
      return std::find(point.enabled.begin(), point.enabled.end(), t) != point.enabled.end();
    };
    if (can(point.current)) return point.current;
    if (next_ < script_.size()) return ThreadId{script_[next_++]};
    return point.enabled.front();
  }
  uint64_t pick_value(const ValuePoint&) override { return 0; }
  std::string name() const override { return "scripted"; }

 private:
  std::vector<uint32_t> script_;
  std::size_t next_ = 0;
};

/// Two waiters on one condition variable. notifier_1 writes `x` without the mutex and notifies
/// while only waiter_a waits; waiter_b then waits, and notifier_2's notify wakes it first. Only
/// notifier_1's notify can have woken waiter_a, and nothing orders its write before waiter_b's
/// read; with `notify_all`, notifier_1 wakes both (and notifier_2 is not there).
SimModel two_waiters(bool notify_all) {
  return simulated([notify_all](auto& env) {
    Mutex<SimEnv> m(env, "m");
    CondVar<SimEnv> cv(env, "cv");
    Shared<SimEnv, int> x(env, "x", 0);
    // (each waiter reads on a line of its own: a race is reported once per pair of lines)
    auto a = env.spawn("waiter_a", [&] {  // thread 1
      m.lock();
      cv.wait(m);
      env.note("x", x.load());
      m.unlock();
    });
    auto n1 = env.spawn("notifier_1", [&] {  // thread 2
      x.store(1);
      if (notify_all) {
        cv.notify_all();
      } else {
        cv.notify_one();
      }
    });
    auto b = env.spawn("waiter_b", [&] {  // thread 3
      m.lock();
      cv.wait(m);
      env.note("x", x.load());
      m.unlock();
    });
    auto n2 = env.spawn("notifier_2", [&] {  // thread 4
      if (!notify_all) cv.notify_one();
    });
    a.join();
    n1.join();
    b.join();
    n2.join();
  });
}

ExploreResult scripted_with_checker(const SimModel& model, std::vector<uint32_t> script) {
  ScriptedStrategy strategy(std::move(script));
  Checker checker;
  ExploreOptions options;
  options.all = true;
  return explore(model, strategy, options, &checker);
}

TEST(Execution, AWakeIsOrderedOnlyAfterTheNotifyThatWokeIt) {
  // a waits; n1 writes and notifies (only a waits); b waits; n2 notifies; b wakes (n2's
  // wake-up: n1's is a's alone), reads x; then a wakes and reads it.
  const ExploreResult r = scripted_with_checker(two_waiters(false), {1, 2, 3, 4, 3, 1});
  ASSERT_EQ(r.executions, 1u);
  ASSERT_EQ(r.bugs.size(), 1u);  // waiter_a's read, on a line of its own, is not one
  EXPECT_EQ(r.bugs[0].finding.kind, FindingKind::kDataRace);
  EXPECT_NE(r.bugs[0].finding.message.find("'waiter_b'"), std::string::npos)
      << r.bugs[0].finding.message;
  EXPECT_NE(r.bugs[0].finding.message.find("'notifier_1'"), std::string::npos)
      << r.bugs[0].finding.message;
}

TEST(Execution, ANotifyAllOrdersEveryWakeItCaused) {
  const ExploreResult r = scripted_with_checker(two_waiters(true), {1, 3, 2, 3, 1});
  ASSERT_EQ(r.executions, 1u);
  EXPECT_TRUE(r.bugs.empty()) << r.bugs[0].finding.message;
}

/// a writes data and bumps x; b then writes x (a store, or another bump) without looking at
/// data; c reads data if it sees b's value. Only a bump carries a's release on to c.
SimModel store_after_release(bool b_stores) {
  return simulated([b_stores](auto& env) {
    Shared<SimEnv, int> data(env, "data", 0);
    Atomic<SimEnv, int> x(env, "x", 0);
    auto a = env.spawn("a", [&] {  // thread 1
      data.store(1);
      x.fetch_add(1);
    });
    auto b = env.spawn("b", [&] {  // thread 2
      if (b_stores) {
        x.store(2);
      } else {
        x.fetch_add(1);
      }
    });
    auto c = env.spawn("c", [&] {  // thread 3
      if (x.load() == 2) env.note("data", data.load());
    });
    a.join();
    b.join();
    c.join();
  });
}

TEST(Execution, AnAtomicStoreEndsTheReleaseSequenceBeforeIt) {
  // a, then b, then c: c reads data after seeing b's store, which a's release does not reach.
  const ExploreResult r = scripted_with_checker(store_after_release(true), {1, 2, 3});
  ASSERT_EQ(r.executions, 1u);
  ASSERT_EQ(r.bugs.size(), 1u);
  EXPECT_EQ(r.bugs[0].finding.kind, FindingKind::kDataRace);
  EXPECT_NE(r.bugs[0].finding.message.find("'a'"), std::string::npos) << r.bugs[0].finding.message;
  EXPECT_NE(r.bugs[0].finding.message.find("'c'"), std::string::npos) << r.bugs[0].finding.message;
}

TEST(Execution, AnAtomicReadModifyWriteCarriesTheReleaseSequenceOn) {
  const ExploreResult r = scripted_with_checker(store_after_release(false), {1, 2, 3});
  ASSERT_EQ(r.executions, 1u);
  EXPECT_TRUE(r.bugs.empty()) << r.bugs[0].finding.message;
}

TEST(Execution, AtomicsAreIndivisible) {
  const SimModel model = simulated([](auto& env) {
    Atomic<SimEnv, int> n(env, "n", 0);
    Atomic<SimEnv, int> winner(env, "winner", 0);
    auto body = [&](int id) {
      n.fetch_add(1);
      int expected = 0;
      winner.compare_exchange(expected, id);
    };
    auto a = env.spawn("a", [&] { body(1); });
    auto b = env.spawn("b", [&] { body(2); });
    a.join();
    b.join();
    env.check(n.load() == 2, "fetch_add never loses an increment");
    const int w = winner.load();
    env.check(w == 1 || w == 2, "exactly one compare_exchange wins");
  });
  const ExploreResult r = random_search(model, 2000);
  EXPECT_TRUE(r.bugs.empty());
}

TEST(Execution, EventLoopTasksSwitchOnlyAtAwaits) {
  // Each task writes its id twice with no await between: no other task may run in between.
  const SimModel model = simulated([](auto& env) {
    Shared<SimEnv, int> owner(env, "owner", 0);
    EventLoop<SimEnv> loop(env, "loop");
    for (int id = 1; id <= 3; ++id) {
      loop.spawn("task", [&, id] {
        for (int round = 0; round < 2; ++round) {
          owner.store(id);
          env.check(owner.load() == id, "no task runs between two awaits");
          loop.yield_now();
        }
      });
    }
    loop.run();
  });
  const ExploreResult r = random_search(model, 3000);
  EXPECT_TRUE(r.bugs.empty());
  // The same body as plain threads does interleave.
  const SimModel threads = simulated([](auto& env) {
    Shared<SimEnv, int> owner(env, "owner", 0);
    std::vector<SimEnv::Thread> ts;
    for (int id = 1; id <= 3; ++id) {
      ts.push_back(env.spawn("thread", [&, id] {
        owner.store(id);
        env.check(owner.load() == id, "no task runs between two awaits");
      }));
    }
    for (auto& t : ts) t.join();
  });
  EXPECT_FALSE(random_search(threads, 3000).bugs.empty());
}

TEST(Execution, RoundRobinIsDeterministicAndVaries) {
  CounterHeartbeatConfig c;  // naive, size 3, 2 rounds
  const SimModel model = simulated([c](auto& env) { counter_heartbeat(env, c); });
  RoundRobinStrategy a;
  RoundRobinStrategy b;
  ExploreOptions options;
  options.max_executions = 50;
  options.all = true;
  const ExploreResult ra = explore(model, a, options);
  const ExploreResult rb = explore(model, b, options);
  EXPECT_EQ(ra.total_steps, rb.total_steps);
  ASSERT_FALSE(ra.bugs.empty());  // a quantum of one step interleaves the increments
  EXPECT_EQ(ra.bugs[0].count, rb.bugs[0].count);
  EXPECT_LT(ra.bugs[0].count, 50u);  // large quanta run each pass whole: no violation
}

TEST(Execution, RoundRobinEndsOnceNoQuantumCutsAThread) {
  CounterHeartbeatConfig c;  // naive, size 3, 2 rounds
  const SimModel model = simulated([c](auto& env) { counter_heartbeat(env, c); });
  RoundRobinStrategy rr;
  ExploreOptions options;
  options.max_executions = 1000;
  options.all = true;
  const ExploreResult r = explore(model, rr, options);
  EXPECT_TRUE(r.strategy_exhausted);
  EXPECT_FALSE(r.complete);  // rr's runs are not every interleaving
  ASSERT_GE(r.executions, 2u);
  ASSERT_LT(r.executions, 1000u);
  // The last execution and the one after it (a quantum one step longer) are the same run; the
  // one before the last was cut somewhere.
  StackPool pool;
  Execution x(pool);
  RunResult run;
  std::vector<std::vector<ThreadId>> schedules;
  std::vector<bool> covers;
  for (uint64_t k = r.executions - 2; k <= r.executions; ++k) {
    RoundRobinStrategy one;
    ASSERT_TRUE(one.begin_execution(k));
    run_execution(model, x, one, nullptr, run);
    schedules.push_back(x.schedule());
    covers.push_back(run.covers_the_rest);
  }
  EXPECT_EQ(covers, (std::vector<bool>{false, true, true}));
  EXPECT_NE(schedules[0], schedules[1]);
  EXPECT_EQ(schedules[1], schedules[2]);
}

TEST(Execution, PreemptionsCountOnlyInvoluntarySwitches) {
  const SimModel model = simulated([](auto& env) {
    auto t = env.spawn("t", [&] { env.yield(); });
    env.yield();
    t.join();
  });
  // Every switch here happens at a yield or a blocked join: never a preemption.
  const ExploreResult r = random_search(model, 200);
  EXPECT_TRUE(r.bugs.empty());
  RandomStrategy s(3);
  EventRecorder rec;
  const RunResult run = run_once(increments(false), s, &rec, {});
  EXPECT_GE(run.steps, 8u);
}

/// Recursion through `frames` frames of about 1 KiB each (volatile: not folded into a loop).
int recurse(int frames) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(frames);
  if (frames == 0) return frame[0];
  return recurse(frames - 1) + frame[0];
}

/// A model whose thread 'deep' recurses through `frames` frames, then stores.
SimModel deep_recursion(int frames) {
  return simulated([frames](auto& env) {
    Shared<SimEnv, int> x(env, "x");
    auto t = env.spawn("deep", [&] { x.store(recurse(frames)); });
    t.join();
  });
}

TEST(StackOverflow, AModelThreadsOverflowIsReportedNotACrash) {
  if (fiber_sanitizer::kThread || fiber_sanitizer::kAddress) {
    GTEST_SKIP() << "the sanitizers report overflows themselves";
  }
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ExploreOptions options;
  options.max_executions = 1;
  options.execution.stack_size = 64 * 1024;
  RandomStrategy s(1);
  EXPECT_EXIT(explore(deep_recursion(256), s, options), ::testing::ExitedWithCode(1),
              "interleave: thread 'deep' overflowed its stack \\(64 KiB\\) after 1 step of the "
              "run: unbounded recursion");
}

TEST(StackOverflow, ModelThreadsHaveANativeThreadsStack) {
  // 2 MiB of frames: more than a small fiber stack holds, well within 8 MiB, as natively.
  RandomStrategy s(1);
  ExploreOptions options;
  options.max_executions = 3;
  const ExploreResult r = explore(deep_recursion(2048), s, options);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.executions, 3u);
  EXPECT_TRUE(r.bugs.empty());
}

TEST(StackPool, StacksAreReusedAcrossExecutions) {
  StackPool pool;
  Execution x(pool);
  RandomStrategy s(1);
  const SimModel model = increments(true);
  for (int i = 0; i < 1000; ++i) {
    s.begin_execution(static_cast<uint64_t>(i));
    x.run([&] { model(x); }, s, nullptr);
  }
  EXPECT_LE(pool.stacks_made(), 4u);
}

}  // namespace
}  // namespace interleave
