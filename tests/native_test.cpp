// Native mode: blocked-thread accounting, deadlock-by-timeout, heartbeat summaries, the event
// loop's fibers, and the cross-check's refusal to run without ThreadSanitizer.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "cli/commands.hpp"
#include "models/native_watchdog.hpp"
#include "models/registry.hpp"
#include "models/std_env.hpp"
#include "sim/fiber_sanitizer.hpp"
#include "tests/cli_support.hpp"

namespace interleave {
namespace {

using testing::run_cli;

/// A real thread of a run that sits "blocked" (as a lock, wait or join would mark it) until
/// released: deadlocks on demand, without threads that can never be joined.
class ParkedThread {
 public:
  ParkedThread(NativeRun& run, const char* name, const char* object, bool blocked) {
    thread_ = std::thread([this, &run, name, object, blocked] {
      NativeRun::ThreadName named(name, &run);
      std::unique_lock<std::mutex> lock(mu_);
      if (blocked) {
        NativeRun::Blocked waits(&run, "waits to lock", object, -1, Loc::here());
        parked_ = true;
        cv_.notify_all();
        cv_.wait(lock, [this] { return released_; });
      } else {
        parked_ = true;
        cv_.notify_all();
        cv_.wait(lock, [this] { return released_; });
      }
    });
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return parked_; });
  }
  ~ParkedThread() {
    {
      std::lock_guard<std::mutex> guard(mu_);
      released_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool parked_ = false;
  bool released_ = false;
  std::thread thread_;
};

TEST(NativeRun, CountsLiveAndBlockedThreadsAndNamesWhatTheyWaitFor) {
  NativeRun run;
  const NativeRun::Progress before = run.progress();
  EXPECT_EQ(before.live, 0);
  {
    ParkedThread a(run, "philosopher", "fork", /*blocked=*/true);
    ParkedThread b(run, "waiter", "", /*blocked=*/false);
    const NativeRun::Progress p = run.progress();
    EXPECT_EQ(p.live, 2);
    EXPECT_EQ(p.blocked, 1);
    EXPECT_GT(p.epoch, before.epoch);
    const Finding f = run.deadlock(1.5);
    EXPECT_EQ(f.kind, FindingKind::kDeadlock);
    EXPECT_EQ(f.message,
              "1 thread blocked for 1.5 s, none can run (no progress natively: a deadlock)");
    ASSERT_EQ(f.details.size(), 1u);
    EXPECT_NE(
        f.details[0].find("thread 'philosopher' waits to lock 'fork' at tests/native_test.cpp"),
        std::string::npos)
        << f.details[0];
  }
  EXPECT_EQ(run.progress().live, 0);
  EXPECT_EQ(run.progress().blocked, 0);
}

TEST(NativeRun, NestedNamesOnOneThreadCountOnce) {
  NativeRun run;
  NativeRun::ThreadName outer("main", &run);
  {
    NativeRun::ThreadName task("task", &run);  // an event-loop task on the same thread
    EXPECT_STREQ(NativeRun::ThreadName::current(), "task");
    EXPECT_EQ(run.progress().live, 1);
  }
  EXPECT_STREQ(NativeRun::ThreadName::current(), "main");
}

TEST(NativeRun, ThreadNamesBuiltAtRunTimeAreKept) {
  NativeRun run;
  StdEnv env(run);
  auto body = [&] {
    std::vector<StdEnv::Thread> workers;
    for (int i = 0; i < 3; ++i) {
      std::string name = "worker " + std::to_string(i);
      workers.push_back(env.spawn(name, [&env, i] { env.check(i != 2, "worker 2 fails"); }));
    }
    for (auto& w : workers) w.join();
  };
  env.guarded("main", body);
  const auto findings = run.findings();
  ASSERT_EQ(findings.size(), 1u);
  ASSERT_FALSE(findings[0].first.details.empty());
  EXPECT_EQ(findings[0].first.details[0], "first in thread 'worker 2'");
}

TEST(NativeRun, AThreadNeverJoinedIsAFindingAndIsJoinedNotATerminate) {
  NativeRun run;
  StdEnv env(run);
  std::atomic<int> done{0};
  auto body = [&] {
    Shared<StdEnv, int> x(env, "x", 0);
    auto t = env.spawn("forgotten", [&] {
      x.store(1);
      done.fetch_add(1);
    });
  };  // t destroyed while joinable: std::thread would end the process here
  env.guarded("main", body);
  EXPECT_EQ(done.load(), 1);  // joined before the spawner's locals went away
  const auto findings = run.findings();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].first.kind, FindingKind::kException);
  EXPECT_NE(findings[0].first.message.find("'forgotten' was never joined"), std::string::npos);
}

TEST(NativeRun, NotesRememberTheFailedChecksBeforeThem) {
  NativeRun run;
  run.note("heartbeat", 1);
  run.check_failed("all values are equal", Loc::here());
  run.check_failed("all values are equal", Loc::here());
  run.note("heartbeat", 2);
  const auto notes = run.notes();
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].failed_checks_before, 0u);
  EXPECT_EQ(notes[1].failed_checks_before, 2u);
  EXPECT_EQ(notes[1].value, 2);
  EXPECT_EQ(run.failed_checks(), 2u);
}

TEST(NativeWatchdog, ReportsADeadlockWhenEveryThreadStaysBlocked) {
  NativeRun run;
  ParkedThread a(run, "consumer", "cv", true);
  ParkedThread b(run, "main", "consumer", true);
  std::atomic<bool> fired{false};
  std::string message;
  const auto start = std::chrono::steady_clock::now();
  double after_s = 0;
  NativeWatchdog dog(run, 0.2, [&](const Finding& f) {
    message = f.message;
    after_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fired = true;
  });
  for (int i = 0; i < 200 && !fired; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  dog.stop();
  ASSERT_TRUE(fired);
  EXPECT_GE(after_s, 0.2);
  EXPECT_EQ(message,
            "2 threads blocked for 0.2 s, none can run (no progress natively: a deadlock)");
}

TEST(NativeWatchdog, StaysQuietWhileOneThreadCanRun) {
  NativeRun run;
  ParkedThread a(run, "consumer", "cv", true);
  ParkedThread b(run, "producer", "", false);  // waiting, but not on the model: it can run
  std::atomic<bool> fired{false};
  NativeWatchdog dog(run, 0.1, [&](const Finding&) { fired = true; });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  dog.stop();
  EXPECT_FALSE(fired);
}

TEST(NativeEventLoop, ALoopThatNeverRunsEndsItsTasksWithoutRunningThem) {
  NativeRun run;
  StdEnv env(run);
  bool ran = false;
  {
    EventLoop<StdEnv> loop(env, "loop");
    loop.spawn("task", [&] { ran = true; });
  }  // destroyed without run(): the task's fiber must end cleanly (and sanitizers stay quiet)
  EXPECT_FALSE(ran);
}

TEST(NativeEventLoop, TasksInterleaveOnlyAtAwaits) {
  NativeRun run;
  StdEnv env(run);
  std::string order;
  EventLoop<StdEnv> loop(env, "loop");
  for (const char* name : {"a", "b"}) {
    loop.spawn(name, [&, name] {
      for (int i = 0; i < 3; ++i) {
        order += name;
        loop.yield_now();
      }
    });
  }
  loop.run();
  EXPECT_EQ(order, "ababab");
}

// ---- the command line ----

/// Two threads that take two mutexes in opposite orders, each waiting until the other holds its
/// first one: a deadlock on every native run.
ModelInfo certain_deadlock() {
  ModelInfo m;
  m.name = "certain_deadlock";
  m.variants = {{"abba", true, "each thread holds one mutex and waits for the other's"}};
  m.bind = [](const ParamValues&) {
    ModelRunners r;
    r.native = [](StdEnv& env) {
      Mutex<StdEnv> a(env, "a");
      Mutex<StdEnv> b(env, "b");
      Atomic<StdEnv, int> holding(env, "holding", 0);
      auto take = [&](Mutex<StdEnv>& first, Mutex<StdEnv>& second) {
        first.lock();
        holding.fetch_add(1);
        while (holding.load() < 2) std::this_thread::yield();
        second.lock();
      };
      auto t1 = env.spawn("left", [&] { take(a, b); });
      auto t2 = env.spawn("right", [&] { take(b, a); });
      t1.join();
      t2.join();
    };
    return r;
  };
  return m;
}

/// Exit 1, a bug; under TSan also 66, its exit after reporting the inversion it sees forming.
bool ExitedWithBugCode(int status) {
  if (!WIFEXITED(status)) return false;
  const int code = WEXITSTATUS(status);
  return code == 1 || (fiber_sanitizer::kThread && code == 66);
}

TEST(NativeCliDeathTest, DeadlockByTimeoutIsReportedAndEndsTheRun) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  cli::NativeOptions o;
  o.timeout_s = 0.3;
  o.json = true;
  // Stuck threads cannot be joined: the watchdog reports, then ends the process with exit 1.
  EXPECT_EXIT(cli::run_native(certain_deadlock(), o), ExitedWithBugCode, "");
}

TEST(NativeCliDeathTest, DeadlockReportNamesEveryBlockedThread) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  cli::NativeOptions o;
  o.timeout_s = 0.3;
  // The death test's regex sees stderr only: print the report there for this check.
  const std::string pattern =
      "DEADLOCK: 3 threads blocked for 0.3 s, none can run.*"
      "thread 'main' waits to join 'left' at .*"
      "thread '(left|right)' waits to lock '(a|b)' at tests/native_test.cpp.*"
      "thread '(left|right)' waits to lock '(a|b)' at tests/native_test.cpp";
  EXPECT_EXIT(
      {
        std::cout.rdbuf(std::cerr.rdbuf());
        cli::run_native(certain_deadlock(), o);
      },
      ExitedWithBugCode, pattern);
}

TEST(NativeCli, AModelThatMayDeadlockAlwaysEnds) {
  // notify_first deadlocks when the notify comes before the wait: depending on thread start-up.
  // Either way the run ends, and a deadlock is reported as one.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto r = run_cli("native wakeup --variant notify_first --timeout 0.3 --json");
    ASSERT_TRUE(r.code == 0 || r.code == 1 || (fiber_sanitizer::kThread && r.code == 66))
        << r.out << r.err;
    const auto j = r.json();
    if (r.code == 0) {
      EXPECT_TRUE(j["bugs"].empty()) << r.out;
    } else {
      ASSERT_EQ(j["bugs"].size(), 1u) << r.out;
      EXPECT_EQ(j["bugs"][0]["kind"], "deadlock");
      // explore's fields: one execution, with no steps or preemptions counted.
      EXPECT_EQ(j["bugs"][0]["execution"], 1);
      EXPECT_TRUE(j["bugs"][0]["steps"].is_null()) << r.out;
      EXPECT_TRUE(j["bugs"][0]["preemptions"].is_null()) << r.out;
      EXPECT_EQ(j["bugs"][0]["count"], 1);
      EXPECT_EQ(j["bugs"][0]["occurrences"], 1);
    }
  }
}

TEST(NativeCli, FiniteModelsRunToTheirEndWithoutAHeartbeatSummary) {
  const auto r = run_cli("native races --variant one_mutex");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("ran races (one_mutex) natively"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("heartbeats "), std::string::npos) << r.out;
}

TEST(NativeCli, CounterHeartbeatEndsWithTheSummaryTimedSimulationPrints) {
  const auto r = run_cli(
      "native counter_heartbeat --variant cooperative --param size=1000 --param period=0.05 "
      "--duration 0.6");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("All values are "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("heartbeats "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", mean interval "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", 0 saw unequal values\n"), std::string::npos) << r.out;
}

TEST(NativeCli, HeartbeatSummaryJsonMatchesTheHeartbeats) {
  const auto r = run_cli(
      "native counter_heartbeat --variant locked_yield --param size=1000 --param period=0.05 "
      "--duration 0.6 --json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto j = r.json();
  const auto& s = j["summary"];
  // The summary is of the beats within the duration; one under way when it ended is marked.
  std::vector<double> within;
  for (const auto& beat : j["heartbeats"]) {
    const double t = beat["t"];
    EXPECT_EQ(beat["after_duration"], t > 0.6) << beat;
    if (t <= 0.6) within.push_back(t);
  }
  ASSERT_GE(within.size(), 3u) << r.out;
  EXPECT_EQ(s["heartbeats"], within.size());
  EXPECT_EQ(s["violations"], 0);
  const double last = within.back();
  const auto n = static_cast<double>(within.size());
  EXPECT_NEAR(s["mean_interval_s"].get<double>(), last / n, 1e-9);
  EXPECT_NEAR(s["drift_s"].get<double>(), last - 0.05 * n, 1e-9);
  EXPECT_GE(s["jitter_s"].get<double>(), 0.0);
}

TEST(NativeCli, NegativeTimeoutIsBadInput) {
  const auto r = run_cli("native races --timeout -1");
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(r.err_lines(), 1) << r.err;
}

TEST(Crosscheck, WithoutThreadSanitizerSaysHowToGetIt) {
  if (fiber_sanitizer::kThread) GTEST_SKIP() << "this build is the TSan build";
  const auto r = run_cli("crosscheck counter_heartbeat");
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(r.err_lines(), 1) << r.err;
  EXPECT_NE(r.err.find("cmake --preset tsan && cmake --build --preset tsan"), std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

}  // namespace
}  // namespace interleave
