// Rewinding a search's monitor: the undo log, the checker rewound into its last run against one
// that heard every call, and dfs and dpor searches of every model with and without rewinding.
#include "checker/undo_log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "checker/checker.hpp"
#include "models/registry.hpp"
#include "models/sim_env.hpp"
#include "models/std_env.hpp"
#include "sim/dfs_strategy.hpp"
#include "sim/dpor_strategy.hpp"
#include "sim/parallel.hpp"
#include "sim/runner.hpp"
#include "tests/search_summary.hpp"

namespace interleave {
namespace {

TEST(UndoLog, UndoesObjectsVectorsAndLengthsBackToAMark) {
  UndoLog log;
  int x = 1;
  std::vector<uint32_t> v{1, 2};
  std::vector<std::string> names{"a"};
  log.mark();  // call 0
  log.save(x);
  x = 2;
  log.mark();  // call 1
  log.save_all(v);
  v.assign(100, 7);  // grows past its capacity: saved whole, it may move
  log.save_length(names);
  names.emplace_back("b");
  log.mark();  // call 2
  log.save(x);
  x = 3;
  EXPECT_EQ(log.calls(), 3u);

  ASSERT_TRUE(log.can_undo_to(2));
  log.undo_to(2);
  EXPECT_EQ(x, 2);
  EXPECT_EQ(v.size(), 100u);
  log.undo_to(1);
  EXPECT_EQ(x, 2);
  EXPECT_EQ(v, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(names, std::vector<std::string>{"a"});
  EXPECT_EQ(log.calls(), 1u);
  log.undo_to(0);
  EXPECT_EQ(x, 1);
  EXPECT_FALSE(log.can_undo_to(1));  // nothing past the calls it has
}

TEST(UndoLog, ForgettingStopsItGoingBackPastTheCallUnderWay) {
  UndoLog log;
  int x = 0;
  log.mark();
  log.save(x);
  x = 1;
  log.mark();  // call 1: storage moves here
  log.forget();
  log.save(x);
  x = 2;
  log.mark();  // call 2
  log.save(x);
  x = 3;
  EXPECT_FALSE(log.can_undo_to(0));
  EXPECT_FALSE(log.can_undo_to(1));
  ASSERT_TRUE(log.can_undo_to(2));
  log.undo_to(2);
  EXPECT_EQ(x, 2);
  log.clear();
  EXPECT_TRUE(log.can_undo_to(0));
  EXPECT_EQ(log.calls(), 0u);
}

/// One call to a monitor: a thread's start, or an event.
struct Call {
  bool starts_thread = false;
  Event event;
  ThreadId parent = kNoThread;
};

void send(Monitor& m, const std::vector<Call>& calls, std::size_t from = 0) {
  for (std::size_t i = from; i < calls.size(); ++i) {
    const Call& c = calls[i];
    if (c.starts_thread) {
      m.on_thread(c.event.thread, c.event.name, c.parent, kNoObject);
    } else {
      m.on_event(c.event);
    }
  }
}

uint32_t below(std::mt19937& rng, std::size_t n) {
  return static_cast<uint32_t>(rng() % n);
}

/// A run's calls at random: threads 0..3 (started by 0 as they first act), plain accesses to
/// locations 0..5, atomics on 6..7, mutexes 8..9 (locked and unlocked in turn per thread).
std::vector<Call> random_run(std::mt19937& rng, std::size_t length, uint32_t threads) {
  static const char* const kLines[] = {"a.cpp", "b.cpp"};
  std::vector<Call> calls;
  std::vector<bool> started(threads, false);
  std::vector<std::vector<uint32_t>> held(threads);
  started[0] = true;
  Call main;
  main.starts_thread = true;
  main.event.thread = ThreadId{0};
  main.event.name = "main";
  calls.push_back(main);
  for (std::size_t step = 0; step < length; ++step) {
    const uint32_t t = below(rng, threads);
    if (!started[t]) {
      started[t] = true;
      Call spawn;
      spawn.starts_thread = true;
      spawn.event.thread = ThreadId{t};
      spawn.event.name = "worker";
      spawn.parent = ThreadId{0};
      calls.push_back(spawn);
    }
    Call c;
    Event& e = c.event;
    e.step = step;
    e.thread = ThreadId{t};
    e.loc = Loc{kLines[below(rng, 2)], static_cast<unsigned>(below(rng, 4) + 1)};
    const uint32_t kind = below(rng, 10);
    if (kind < 6) {
      e.op = kind < 3 ? Op::kLoad : Op::kStore;
      e.object = ObjectId{below(rng, 6)};
      e.name = "x";
      e.value = static_cast<int64_t>(below(rng, 3));
    } else if (kind < 8) {
      static constexpr Op kAtomics[] = {Op::kAtomicLoad, Op::kAtomicStore, Op::kFetchAdd,
                                        Op::kExchange,   Op::kCasOk,       Op::kCasFail};
      static constexpr std::memory_order kOrders[] = {
          std::memory_order_relaxed, std::memory_order_acquire, std::memory_order_release,
          std::memory_order_acq_rel, std::memory_order_seq_cst};
      e.op = kAtomics[below(rng, 6)];
      e.order = kOrders[below(rng, 5)];
      e.object = ObjectId{6 + below(rng, 2)};
      e.name = "flag";
    } else {
      const uint32_t m = 8 + below(rng, 2);
      std::vector<uint32_t>& h = held[t];
      const bool holds = std::find(h.begin(), h.end(), m) != h.end();
      e.op = holds ? Op::kUnlock : Op::kLock;
      e.object = ObjectId{m};
      e.name = "m";
      if (holds) {
        h.erase(std::find(h.begin(), h.end(), m));
      } else {
        h.push_back(m);
      }
    }
    calls.push_back(c);
  }
  return calls;
}

/// Findings by key and steps (a lean checker's text for a pair of lines is the one it built the
/// first time, in whichever run that was).
std::string text_of(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) {
    out += f.key() + " @" + std::to_string(f.step) + "/" + std::to_string(f.other_step) + "\n";
  }
  return out;
}

TEST(Rewind, ACheckerRewoundIntoItsLastRunJudgesAsOneThatHeardEverything) {
  const CheckerOptions lean{.races = true, .lock_order = true, .explain = false};
  std::mt19937 rng(7);
  int rewound = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const uint32_t threads = 2 + trial % 3;
    const std::vector<Call> first = random_run(rng, 40, threads);
    const std::vector<Call> second_tail = random_run(rng, 40, threads);
    // The second run repeats the first one's first `shared` calls, then goes its own way.
    const std::size_t shared = 1 + below(rng, first.size() - 1);
    std::vector<Call> second(first.begin(), first.begin() + static_cast<std::ptrdiff_t>(shared));
    for (std::size_t i = 1; i < second_tail.size(); ++i) {  // not its main's start
      Call c = second_tail[i];
      c.event.step += 1000;
      if (c.starts_thread) continue;  // threads the first part started are started already
      second.push_back(c);
    }

    // A warm-up run grows the storage, so that nothing moves during the runs compared.
    std::vector<Finding> ignored;
    Checker rewinding(lean);
    rewinding.begin_rewindable_run();
    send(rewinding, random_run(rng, 400, 4));
    rewinding.end_run(ignored);

    rewinding.begin_rewindable_run();
    send(rewinding, first);
    std::vector<Finding> first_findings;
    rewinding.end_run(first_findings);
    ASSERT_TRUE(rewinding.rewind(shared)) << "trial " << trial;
    ++rewound;
    send(rewinding, second, shared);
    std::vector<Finding> rewound_findings;
    rewinding.end_run(rewound_findings);

    Checker fresh(lean);
    fresh.begin_run();
    send(fresh, second);
    std::vector<Finding> fresh_findings;
    fresh.end_run(fresh_findings);

    ASSERT_EQ(text_of(rewound_findings), text_of(fresh_findings)) << "trial " << trial;
    for (uint32_t t = 0; t < threads; ++t) {
      const VectorClock& a = rewinding.races().clock_of(ThreadId{t});
      const VectorClock& b = fresh.races().clock_of(ThreadId{t});
      EXPECT_TRUE(a.leq(b) && b.leq(a)) << "trial " << trial << ", thread " << t;
    }
  }
  EXPECT_EQ(rewound, 300);
}

TEST(Rewind, OnlyALeanCheckerBegunForASearchRewindsAndNeverPastWhereItsStorageMoved) {
  std::mt19937 rng(11);
  const std::vector<Call> run = random_run(rng, 30, 3);
  Checker explaining;  // explains its findings: keeps no undo log
  explaining.begin_rewindable_run();
  send(explaining, run);
  EXPECT_FALSE(explaining.rewind(5));

  const CheckerOptions lean{.races = true, .lock_order = true, .explain = false};
  Checker plain(lean);
  plain.begin_run();  // not for a search
  send(plain, run);
  EXPECT_FALSE(plain.rewind(5));

  Checker cold(lean);  // its first run grows its storage as calls come
  cold.begin_rewindable_run();
  send(cold, run);
  EXPECT_FALSE(cold.rewind(1));               // before storage moved
  EXPECT_FALSE(cold.rewind(run.size() + 1));  // past the calls it heard
  EXPECT_TRUE(cold.rewind(run.size()));       // where it is
}

/// Forwards to a checker that is never rewound: it hears every call of every run.
class HearsEverything final : public Monitor {
 public:
  explicit HearsEverything(Checker& c) : c_(c) {}
  explicit HearsEverything(const CheckerOptions& o)
      : own_(std::make_unique<Checker>(o)), c_(*own_) {}
  void begin_run() override { c_.begin_run(); }
  void end_run(std::vector<Finding>& findings) override { c_.end_run(findings); }
  void on_thread(ThreadId t, const char* name, ThreadId parent, ObjectId loop) override {
    c_.on_thread(t, name, parent, loop);
  }
  void on_event(const Event& e) override { c_.on_event(e); }
  bool wants_passing_checks() const override { return c_.wants_passing_checks(); }

 private:
  std::unique_ptr<Checker> own_;
  Checker& c_;
};

/// Forwards to a checker and counts the rewinds it took.
class CountsRewinds final : public Monitor {
 public:
  explicit CountsRewinds(Checker& c) : c_(c) {}
  CountsRewinds(const CheckerOptions& o, std::atomic<uint64_t>& total)
      : own_(std::make_unique<Checker>(o)), c_(*own_), total_(&total) {}
  void begin_run() override { c_.begin_run(); }
  void begin_rewindable_run() override { c_.begin_rewindable_run(); }
  bool rewind(uint64_t calls) override {
    const bool ok = c_.rewind(calls);
    rewinds += ok ? 1 : 0;
    if (ok && total_ != nullptr) total_->fetch_add(1);
    return ok;
  }
  void end_run(std::vector<Finding>& findings) override { c_.end_run(findings); }
  void on_thread(ThreadId t, const char* name, ThreadId parent, ObjectId loop) override {
    c_.on_thread(t, name, parent, loop);
  }
  void on_event(const Event& e) override { c_.on_event(e); }
  bool wants_passing_checks() const override { return c_.wants_passing_checks(); }
  uint64_t rewinds = 0;

 private:
  std::unique_ptr<Checker> own_;
  Checker& c_;
  std::atomic<uint64_t>* total_ = nullptr;  // shared by the threads of a parallel search
};

/// `make`'s strategy over every model and variant in the registry (up to 1,500 executions each)
/// with the checker rewound into each run, against one that hears every call: the same
/// executions, steps and bugs; and where there are at least 10 executions, most were rewound.
template <class MakeStrategy>
void expect_rewinding_changes_nothing(const char* strategy, MakeStrategy make) {
  const CheckerOptions lean{.races = true, .lock_order = true, .explain = false};
  ExploreOptions options;
  options.all = true;
  options.max_executions = 1500;
  int searched = 0;
  for (const ModelInfo& info : models()) {
    for (const VariantSpec& variant : info.variants) {
      const SimModel model = info.bind(resolve_params(info, variant.name, {})).sim;
      Checker a(lean);
      Checker b(lean);
      CountsRewinds rewinding(a);
      HearsEverything hearing(b);
      auto one = make();
      auto other = make();
      const ExploreResult with = explore(model, *one, options, &rewinding);
      const ExploreResult without = explore(model, *other, options, &hearing);
      const std::string what = std::string(strategy) + " " + info.name + " " + variant.name;
      ASSERT_EQ(search_summary(with), search_summary(without)) << what;
      if (with.executions >= 10) {  // most runs repeat a prefix of the one before
        EXPECT_GT(rewinding.rewinds, with.executions / 2) << what;
      }
      ++searched;
    }
  }
  EXPECT_GE(searched, 20);
}

TEST(Rewind, DfsOverEveryModelFindsTheSameWithTheCheckerRewoundAsHearingEveryCall) {
  expect_rewinding_changes_nothing("dfs", [] { return std::make_unique<DfsStrategy>(); });
}

TEST(Rewind, DporOverEveryModelFindsTheSameWithTheCheckerRewoundAsHearingEveryCall) {
  expect_rewinding_changes_nothing("dpor", [] { return std::make_unique<DporStrategy>(); });
}

TEST(Rewind, ParallelDporFindsTheSameWithRewindingCheckersAsWithOnesThatHearEverything) {
  // Each thread's checker is rewound into its runs: against the same search with checkers that
  // hear every call, on models whose search is split between the threads.
  const CheckerOptions lean{.races = true, .lock_order = true, .explain = false};
  ExploreOptions options;
  options.all = true;
  struct Case {
    std::string name;
    std::string variant;
    std::vector<std::string> params;
  };
  for (const auto& [name, variant, params] :
       std::vector<Case>{{"lastzero", "", {"n=6"}},
                         {"counter_heartbeat", "naive", {"size=3", "rounds=2"}},
                         {"counter_heartbeat", "locked", {"rounds=3"}},
                         {"lockinc", "", {"n=4"}},
                         {"ainc", "", {"n=5"}}}) {
    const ModelInfo& info = find_model(name);
    const SimModel model = info.bind(resolve_params(info, variant, params)).sim;
    std::atomic<uint64_t> rewinds{0};
    const ExploreResult with = explore_dpor_parallel(model, options, 2, [&rewinds, lean] {
      return std::make_unique<CountsRewinds>(lean, rewinds);
    });
    const ExploreResult without = explore_dpor_parallel(
        model, options, 2, [lean] { return std::make_unique<HearsEverything>(lean); });
    EXPECT_GE(with.executions, 20u) << name;
    EXPECT_GT(rewinds.load(), with.executions / 2) << name;
    EXPECT_EQ(search_summary(with), search_summary(without)) << name;
  }
}

TEST(Rewind, NamesAModelBuildsAtRunTimeOutliveTheRunsThatKeepThem) {
  // Two mutexes and two threads named at run time, locked in opposite orders: the lock-order
  // checker, rewound from run to run, names them from runs that have ended.
  const SimModel model = [](Execution& x) {
    SimEnv env(x);
    std::vector<std::unique_ptr<Mutex<SimEnv>>> locks;
    for (int i = 0; i < 2; ++i) {
      locks.push_back(
          std::make_unique<Mutex<SimEnv>>(env, env.keep_name("lock " + std::to_string(i))));
    }
    std::vector<SimEnv::Thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.push_back(env.spawn("taker " + std::to_string(i), [&locks, i] {
        Mutex<SimEnv>& a = *locks[static_cast<std::size_t>(i)];
        Mutex<SimEnv>& b = *locks[static_cast<std::size_t>(1 - i)];
        ScopedLock<Mutex<SimEnv>> outer(a);
        ScopedLock<Mutex<SimEnv>> inner(b);
      }));
    }
    for (SimEnv::Thread& t : threads) t.join();
  };
  Checker checker(CheckerOptions{.races = true, .lock_order = true, .explain = false});
  CountsRewinds rewinding(checker);
  DfsStrategy dfs;
  ExploreOptions options;
  options.all = true;
  const ExploreResult r = explore(model, dfs, options, &rewinding);
  ASSERT_TRUE(r.complete);
  EXPECT_GT(rewinding.rewinds, 0u);
  bool named = false;
  for (const BugRecord& b : r.bugs) {
    if (b.finding.kind != FindingKind::kLockOrder) continue;
    named = b.finding.message.find("lock 0") != std::string::npos &&
            b.finding.message.find("lock 1") != std::string::npos &&
            b.finding.message.find("taker") != std::string::npos;
  }
  EXPECT_TRUE(named) << search_summary(r);
}

}  // namespace
}  // namespace interleave
