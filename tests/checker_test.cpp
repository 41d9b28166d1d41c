// Unit tests of the checker (vector clocks, race detector, lock-order checker) on hand-built
// event streams: no simulator, no fibers.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "checker/checker.hpp"
#include "checker/lock_order.hpp"
#include "checker/race_detector.hpp"
#include "checker/vector_clock.hpp"

namespace interleave {
namespace {

constexpr const char* kFile = "models/test.hpp";

std::string at(unsigned line) {
  return std::string(kFile) + ":" + std::to_string(line);
}

/// A named object of a stream: a location, mutex, condition variable or loop.
struct Obj {
  ObjectId id;
  const char* name;
  int32_t index = -1;
};

const Obj kX{ObjectId{0}, "x"};
const Obj kData{ObjectId{1}, "data"};
const Obj kFlag{ObjectId{2}, "flag"};
const Obj kM1{ObjectId{3}, "m1"};
const Obj kM2{ObjectId{4}, "m2"};
const Obj kM3{ObjectId{5}, "m3"};
const Obj kCv{ObjectId{6}, "cv"};
const Obj kLoop{ObjectId{7}, "loop"};
Obj values(int32_t i) {
  return Obj{ObjectId{100 + static_cast<uint32_t>(i)}, "values", i};
}

/// Feeds a hand-built run to a monitor: begin_run on construction, steps numbered in order.
class Stream {
 public:
  explicit Stream(Monitor& m) : m_(m) { m_.begin_run(); }

  ThreadId main() {
    m_.on_thread(ThreadId{0}, "main", kNoThread, kNoObject);
    next_thread_ = 1;
    return ThreadId{0};
  }
  ThreadId spawn(ThreadId parent, const char* name, Obj loop = {kNoObject, nullptr}) {
    const ThreadId child{next_thread_++};
    m_.on_thread(child, name, parent, loop.id);
    emit(parent, Op::kSpawn, loop, to_index(child), 1);
    return child;
  }
  void load(ThreadId t, Obj x, int64_t v, unsigned line) { emit(t, Op::kLoad, x, v, line); }
  void store(ThreadId t, Obj x, int64_t v, unsigned line) { emit(t, Op::kStore, x, v, line); }
  void atomic(ThreadId t, Op op, Obj x, int64_t v, unsigned line,
              std::memory_order order = std::memory_order_seq_cst) {
    Event e = make(t, op, x, v, line, kNoObject);
    e.order = order;
    m_.on_event(e);
    ++step_;
  }
  void lock(ThreadId t, Obj m, unsigned line) { emit(t, Op::kLock, m, 0, line); }
  void unlock(ThreadId t, Obj m, unsigned line) { emit(t, Op::kUnlock, m, 0, line); }
  void try_lock_fail(ThreadId t, Obj m, unsigned line) { emit(t, Op::kTryLockFail, m, 0, line); }
  void wait(ThreadId t, Obj cv, Obj m, unsigned line) { emit(t, Op::kWait, cv, 0, line, m.id); }
  /// `by`: the step of the notify that woke it (-1: one not in this stream).
  void wake(ThreadId t, Obj cv, Obj m, unsigned line, int64_t by = -1) {
    emit(t, Op::kWake, cv, by, line, m.id);
  }
  /// Returns the notify's step, for the wake it causes.
  int64_t notify_one(ThreadId t, Obj cv, int64_t woken, unsigned line) {
    const auto at = static_cast<int64_t>(step_);
    emit(t, Op::kNotifyOne, cv, woken, line);
    return at;
  }
  void join(ThreadId t, ThreadId child, unsigned line) {
    emit(t, Op::kJoin, {kNoObject, nullptr}, to_index(child), line);
  }
  void sleep(ThreadId t, unsigned line) { emit(t, Op::kSleep, {kNoObject, nullptr}, 1, line); }
  void await(ThreadId t, unsigned line) { emit(t, Op::kAwait, kLoop, 0, line); }
  /// A check belongs to the step of the operation before it, as in the simulator.
  void check(ThreadId t, bool holds, unsigned line) {
    Event e = make(t, Op::kCheck, {kNoObject, "values equal"}, holds ? 1 : 0, line);
    e.step = step_ == 0 ? 0 : step_ - 1;
    m_.on_event(e);
  }
  void finish(ThreadId t) { emit(t, Op::kFinish, {kNoObject, nullptr}, 0, 0); }

  /// The step the next visible operation gets.
  uint64_t next_step() const { return step_; }

  std::vector<Finding> end() {
    std::vector<Finding> findings;
    m_.end_run(findings);
    return findings;
  }

 private:
  Event make(ThreadId t, Op op, Obj o, int64_t value, unsigned line, ObjectId aux = kNoObject) {
    Event e;
    e.step = step_;
    e.thread = t;
    e.op = op;
    e.object = o.id;
    e.name = o.name;
    e.index = o.index;
    e.value = value;
    e.aux = aux;
    e.loc = Loc{kFile, line};
    return e;
  }
  void emit(ThreadId t, Op op, Obj o, int64_t value, unsigned line, ObjectId aux = kNoObject) {
    m_.on_event(make(t, op, o, value, line, aux));
    ++step_;
  }

  Monitor& m_;
  uint64_t step_ = 0;
  uint32_t next_thread_ = 0;
};

std::vector<std::string> signatures(const std::vector<Finding>& findings) {
  std::vector<std::string> s;
  for (const Finding& f : findings) s.push_back(f.signature);
  std::sort(s.begin(), s.end());
  return s;
}

std::string race(unsigned a, unsigned b) {
  return "data_race|" + at(std::min(a, b)) + "|" + at(std::max(a, b));
}

bool has_detail(const Finding& f, const std::string& text) {
  return std::any_of(f.details.begin(), f.details.end(),
                     [&](const std::string& d) { return d.find(text) != std::string::npos; });
}

// ---------------------------------------------------------------------------------------------
// VectorClock

TEST(VectorClock, JoinIsPointwiseMax) {
  VectorClock a;
  VectorClock b;
  a.set(ThreadId{0}, 3);
  a.set(ThreadId{1}, 1);
  b.set(ThreadId{1}, 5);
  b.set(ThreadId{2}, 2);
  EXPECT_TRUE(a.acquire(b));
  EXPECT_EQ(a.get(ThreadId{0}), 3u);
  EXPECT_EQ(a.get(ThreadId{1}), 5u);
  EXPECT_EQ(a.get(ThreadId{2}), 2u);
  EXPECT_FALSE(a.acquire(b));  // nothing new the second time
  EXPECT_TRUE(b.leq(a));
  EXPECT_FALSE(a.leq(b));
}

TEST(VectorClock, ReleaseJoinsAndReleaseStoreOverwrites) {
  VectorClock thread;
  thread.set(ThreadId{0}, 2);
  VectorClock sync;
  sync.set(ThreadId{1}, 7);
  thread.release(sync);
  EXPECT_EQ(sync.get(ThreadId{0}), 2u);
  EXPECT_EQ(sync.get(ThreadId{1}), 7u);
  thread.release_store(sync);
  EXPECT_EQ(sync.get(ThreadId{0}), 2u);
  EXPECT_EQ(sync.get(ThreadId{1}), 0u);
}

TEST(VectorClock, KnowsEpochsUpToItsEntry) {
  VectorClock c;
  EXPECT_TRUE(c.knows(Epoch{}));  // the empty epoch is before everything
  c.set(ThreadId{2}, 4);
  EXPECT_TRUE(c.knows(Epoch{ThreadId{2}, 4}));
  EXPECT_FALSE(c.knows(Epoch{ThreadId{2}, 5}));
  EXPECT_FALSE(c.knows(Epoch{ThreadId{9}, 1}));  // entries past the end read as 0
  c.tick(ThreadId{2});
  EXPECT_EQ(c.epoch(ThreadId{2}), (Epoch{ThreadId{2}, 5}));
  c.clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.get(ThreadId{2}), 0u);
}

// ---------------------------------------------------------------------------------------------
// RaceDetector: the race verdicts of ORACLES.md, each with its twin.

TEST(RaceDetector, UnorderedWritesRace) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "a");
  const ThreadId b = s.spawn(m, "b");
  s.store(a, kX, 1, 10);
  const uint64_t later = s.next_step();
  s.store(b, kX, 2, 20);
  const auto f = s.end();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kDataRace);
  EXPECT_EQ(f[0].signature, race(10, 20));
  EXPECT_EQ(f[0].step, later);
  EXPECT_EQ(f[0].message, "on x: store at " + at(10) + " (thread 'a') and store at " + at(20) +
                              " (thread 'b') are not ordered by happens-before");
}

TEST(RaceDetector, WritesUnderOneMutexAreClean) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "a");
  const ThreadId b = s.spawn(m, "b");
  s.lock(a, kM1, 9);
  s.store(a, kX, 1, 10);
  s.unlock(a, kM1, 11);
  s.lock(b, kM1, 19);
  s.store(b, kX, 2, 20);
  s.unlock(b, kM1, 21);
  s.lock(a, kM1, 9);
  s.load(a, kX, 2, 12);
  s.unlock(a, kM1, 11);
  EXPECT_TRUE(s.end().empty());
}

TEST(RaceDetector, TwoDifferentMutexesRace) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "a");
  const ThreadId b = s.spawn(m, "b");
  s.lock(a, kM1, 9);
  s.store(a, kX, 1, 10);
  s.unlock(a, kM1, 11);
  s.lock(b, kM2, 19);
  s.store(b, kX, 2, 20);
  s.unlock(b, kM2, 21);
  EXPECT_EQ(signatures(s.end()), std::vector<std::string>{race(10, 20)});
}

TEST(RaceDetector, FailedTryLockOrdersNothing) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "a");
  const ThreadId b = s.spawn(m, "b");
  s.lock(a, kM1, 9);
  s.store(a, kX, 1, 10);
  s.try_lock_fail(b, kM1, 19);
  s.unlock(a, kM1, 11);
  s.load(b, kX, 1, 20);
  EXPECT_EQ(signatures(s.end()), std::vector<std::string>{race(10, 20)});
}

TEST(RaceDetector, SpawnOrdersParentWriteBeforeChildRead) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  s.store(m, kX, 1, 5);
  const ThreadId c = s.spawn(m, "child");
  s.load(c, kX, 1, 10);
  EXPECT_TRUE(s.end().empty());
}

TEST(RaceDetector, ParentWriteAfterSpawnRacesWithChildRead) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId c = s.spawn(m, "child");
  s.store(m, kX, 1, 5);
  s.load(c, kX, 1, 10);
  EXPECT_EQ(signatures(s.end()), std::vector<std::string>{race(5, 10)});
}

TEST(RaceDetector, JoinOrdersChildWriteBeforeParentRead) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId c = s.spawn(m, "child");
  s.store(c, kX, 1, 10);
  s.finish(c);
  s.join(m, c, 6);
  EXPECT_TRUE(d.clock_of(m).knows(d.clock_of(c).epoch(c)));  // the joiner knows all the child did
  s.load(m, kX, 1, 7);
  EXPECT_TRUE(s.end().empty());
}

TEST(RaceDetector, ParentReadBeforeJoinRaces) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId c = s.spawn(m, "child");
  s.store(c, kX, 1, 10);
  s.load(m, kX, 1, 7);
  s.finish(c);
  s.join(m, c, 8);
  EXPECT_EQ(signatures(s.end()), std::vector<std::string>{race(7, 10)});
}

/// The writer publishes data through the flag, stored with `store`; the reader reads data after
/// loading the flag with `load`. The races found, as signatures.
std::vector<std::string> flag_with(std::memory_order store, std::memory_order load) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId w = s.spawn(m, "writer");
  const ThreadId r = s.spawn(m, "reader");
  s.store(w, kData, 42, 10);
  s.atomic(w, Op::kAtomicStore, kFlag, 1, 11, store);
  s.atomic(r, Op::kAtomicLoad, kFlag, 1, 20, load);
  s.load(r, kData, 42, 21);
  return signatures(s.end());
}

TEST(RaceDetector, AtomicFlagPublishesData) {
  EXPECT_TRUE(flag_with(std::memory_order_seq_cst, std::memory_order_seq_cst).empty());
}

TEST(RaceDetector, AtomicLoadBeforeTheStoreOrdersNothing) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId w = s.spawn(m, "writer");
  const ThreadId r = s.spawn(m, "reader");
  s.atomic(r, Op::kAtomicLoad, kFlag, 0, 20);
  s.store(w, kData, 42, 10);
  s.atomic(w, Op::kAtomicStore, kFlag, 1, 11);
  s.load(r, kData, 42, 21);
  EXPECT_EQ(signatures(s.end()), std::vector<std::string>{race(10, 21)});
}

TEST(RaceDetector, PlainFlagRaces) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId w = s.spawn(m, "writer");
  const ThreadId r = s.spawn(m, "reader");
  s.store(w, kData, 42, 10);
  s.store(w, kFlag, 1, 11);
  s.load(r, kFlag, 1, 20);
  s.load(r, kData, 42, 21);
  EXPECT_EQ(signatures(s.end()), (std::vector<std::string>{race(10, 21), race(11, 20)}));
}

/// One step of a three-thread stream: an atomic operation and its order.
struct AtomicStep {
  Op op;
  std::memory_order order = std::memory_order_seq_cst;
};

/// a writes data (line 10) and then the flag (11); b writes other data (20) and then the flag
/// (21), without reading a's; c reads the flag (30), gets b's value, and reads both data (31,
/// 32). The races found, as signatures.
std::vector<std::string> three_writers(AtomicStep a_step, AtomicStep b_step,
                                       std::memory_order c_reads) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "a");
  const ThreadId b = s.spawn(m, "b");
  const ThreadId c = s.spawn(m, "c");
  const Obj other{ObjectId{8}, "other"};
  s.store(a, kData, 1, 10);
  s.atomic(a, a_step.op, kFlag, 1, 11, a_step.order);
  s.store(b, other, 1, 20);
  s.atomic(b, b_step.op, kFlag, 2, 21, b_step.order);
  s.atomic(c, Op::kAtomicLoad, kFlag, 2, 30, c_reads);
  s.load(c, kData, 1, 31);
  s.load(c, other, 1, 32);
  return signatures(s.end());
}

TEST(RaceDetector, AReadModifyWriteCarriesEarlierReleasesOn) {
  // b's read-modify-write continues a's release sequence: c synchronizes with a as well.
  const auto seq_cst = std::memory_order_seq_cst;
  EXPECT_TRUE(three_writers({Op::kFetchAdd}, {Op::kFetchAdd}, seq_cst).empty());
  EXPECT_TRUE(three_writers({Op::kFetchAdd}, {Op::kExchange}, seq_cst).empty());
}

TEST(RaceDetector, AStoreEndsTheReleasesBeforeIt) {
  // b's store heads a release sequence of its own and ends a's, so c, reading b's value,
  // synchronizes with b alone and its read of a's data races with a's write (as C++20 says, and
  // as ThreadSanitizer reports it). Sequential consistency orders the atomics, not the data.
  EXPECT_EQ(three_writers({Op::kFetchAdd}, {Op::kAtomicStore}, std::memory_order_seq_cst),
            (std::vector<std::string>{race(10, 31)}));
}

TEST(RaceDetector, OnlyAReleaseStoreReadByAnAcquireLoadPublishes) {
  using std::memory_order_acquire, std::memory_order_relaxed, std::memory_order_release,
      std::memory_order_seq_cst, std::memory_order_consume;
  EXPECT_TRUE(flag_with(memory_order_release, memory_order_acquire).empty());
  EXPECT_TRUE(flag_with(memory_order_seq_cst, memory_order_seq_cst).empty());
  EXPECT_TRUE(flag_with(memory_order_release, memory_order_consume).empty());
  EXPECT_TRUE(flag_with(memory_order_seq_cst, memory_order_acquire).empty());
  const std::vector<std::string> racy{race(10, 21)};
  EXPECT_EQ(flag_with(memory_order_relaxed, memory_order_relaxed), racy);
  EXPECT_EQ(flag_with(memory_order_release, memory_order_relaxed), racy);
  EXPECT_EQ(flag_with(memory_order_relaxed, memory_order_acquire), racy);
}

TEST(RaceDetector, ARelaxedStoreEndsTheReleaseBeforeIt) {
  // a publishes with a release store; b stores the flag relaxed; c acquires b's value: it
  // synchronizes with nobody (C++20), though ThreadSanitizer would keep a's release.
  EXPECT_EQ(three_writers({Op::kAtomicStore, std::memory_order_release},
                          {Op::kAtomicStore, std::memory_order_relaxed}, std::memory_order_acquire),
            (std::vector<std::string>{race(10, 31), race(20, 32)}));
}

TEST(RaceDetector, ARelaxedReadModifyWriteKeepsTheReleaseSequenceButPublishesNothing) {
  // b's relaxed bump continues a's release sequence: c, acquiring b's value, synchronizes with a
  // but not with b.
  EXPECT_EQ(three_writers({Op::kAtomicStore, std::memory_order_release},
                          {Op::kFetchAdd, std::memory_order_relaxed}, std::memory_order_acquire),
            (std::vector<std::string>{race(20, 32)}));
}

TEST(RaceDetector, AtomicsNeverRace) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "a");
  const ThreadId b = s.spawn(m, "b");
  s.atomic(a, Op::kAtomicStore, kFlag, 1, 10);
  s.atomic(b, Op::kExchange, kFlag, 2, 20);
  s.atomic(a, Op::kCasFail, kFlag, 2, 11);
  s.atomic(b, Op::kCasOk, kFlag, 3, 21);
  EXPECT_TRUE(s.end().empty());
}

TEST(RaceDetector, CondVarNotifyOrdersWake) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId w = s.spawn(m, "waiter");
  const ThreadId n = s.spawn(m, "notifier");
  s.lock(w, kM1, 30);
  s.wait(w, kCv, kM1, 31);
  s.store(n, kX, 1, 40);  // no mutex: only the notify orders this before the read
  const int64_t by = s.notify_one(n, kCv, 1, 41);
  s.wake(w, kCv, kM1, 31, by);
  s.load(w, kX, 1, 32);
  s.unlock(w, kM1, 33);
  EXPECT_TRUE(s.end().empty());
}

TEST(RaceDetector, WriteAfterNotifyRacesWithWokenRead) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId w = s.spawn(m, "waiter");
  const ThreadId n = s.spawn(m, "notifier");
  s.lock(w, kM1, 30);
  s.wait(w, kCv, kM1, 31);
  const int64_t by = s.notify_one(n, kCv, 1, 41);
  s.store(n, kX, 1, 42);
  s.wake(w, kCv, kM1, 31, by);
  s.load(w, kX, 1, 32);
  s.unlock(w, kM1, 33);
  EXPECT_EQ(signatures(s.end()), std::vector<std::string>{race(32, 42)});
}

TEST(RaceDetector, NotifyThatWakesNobodyOrdersNothing) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId w = s.spawn(m, "waiter");
  const ThreadId n = s.spawn(m, "notifier");
  s.store(n, kX, 1, 40);
  s.notify_one(n, kCv, 0, 41);  // nobody waits yet
  s.lock(w, kM1, 30);
  s.wait(w, kCv, kM1, 31);
  s.wake(w, kCv, kM1, 31);  // (woken by something else: a later notify not in this stream)
  s.load(w, kX, 1, 32);
  EXPECT_EQ(signatures(s.end()), std::vector<std::string>{race(32, 40)});
}

TEST(RaceDetector, AWakeIsOrderedOnlyAfterTheNotifyThatCausedIt) {
  // n1 writes x without the mutex and notifies while only a waits: its wake-up is a's. b waits
  // after that, and n2's notify wakes it first. Nothing orders n1's write before b's read (nor
  // would ThreadSanitizer natively); a's read is ordered by the notify that woke it.
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "waiter_a");
  const ThreadId b = s.spawn(m, "waiter_b");
  const ThreadId n1 = s.spawn(m, "notifier_1");
  const ThreadId n2 = s.spawn(m, "notifier_2");
  s.lock(a, kM1, 30);
  s.wait(a, kCv, kM1, 31);
  s.store(n1, kX, 1, 40);  // no mutex
  const int64_t first = s.notify_one(n1, kCv, 1, 41);
  s.lock(b, kM1, 50);
  s.wait(b, kCv, kM1, 51);
  const int64_t second = s.notify_one(n2, kCv, 1, 60);
  s.wake(b, kCv, kM1, 51, second);
  s.load(b, kX, 1, 52);
  s.unlock(b, kM1, 53);
  s.wake(a, kCv, kM1, 31, first);
  s.load(a, kX, 1, 32);
  s.unlock(a, kM1, 33);
  EXPECT_EQ(signatures(s.end()), std::vector<std::string>{race(40, 52)});
}

TEST(RaceDetector, ALongRunKeepsOnlyTheNotifiesStillAwaited) {
  // One waiter is woken 10,000 times; the other waits through it all for the first notify's
  // wake-up, whose clock must still be there at the end.
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId early = s.spawn(m, "early");
  const ThreadId w = s.spawn(m, "waiter");
  const ThreadId n = s.spawn(m, "notifier");
  s.lock(early, kM1, 20);
  s.wait(early, kCv, kM1, 21);
  const int64_t first = s.notify_one(n, kCv, 1, 40);
  for (int round = 0; round < 10'000; ++round) {
    s.lock(w, kM1, 30);
    s.wait(w, kCv, kM1, 31);
    const int64_t by = s.notify_one(n, kCv, 1, 41);
    s.wake(w, kCv, kM1, 31, by);
    s.unlock(w, kM1, 33);
  }
  EXPECT_LE(d.notify_clocks_kept(), 128u);
  s.store(n, kX, 1, 42);
  s.wake(early, kCv, kM1, 21, first);
  s.load(early, kX, 1, 22);  // ordered after the first notify and w's unlock: not the store
  EXPECT_EQ(signatures(s.end()), std::vector<std::string>{race(22, 42)});
}

TEST(RaceDetector, TasksOfOneEventLoopAreOrdered) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId t1 = s.spawn(m, "t1", kLoop);
  const ThreadId t2 = s.spawn(m, "t2", kLoop);
  s.load(t1, kX, 0, 50);
  s.store(t1, kX, 1, 51);
  s.await(t1, 52);
  s.load(t2, kX, 1, 60);
  s.store(t2, kX, 2, 61);
  s.await(t2, 62);
  s.store(t1, kX, 3, 51);
  s.finish(t1);
  s.finish(t2);
  EXPECT_TRUE(s.end().empty());
}

TEST(RaceDetector, PlainThreadsOutsideALoopRace) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId t1 = s.spawn(m, "t1");
  const ThreadId t2 = s.spawn(m, "t2");
  s.load(t1, kX, 0, 50);
  s.store(t1, kX, 1, 51);
  s.load(t2, kX, 1, 60);
  s.store(t2, kX, 2, 61);
  EXPECT_EQ(signatures(s.end()),
            (std::vector<std::string>{race(50, 61), race(51, 60), race(51, 61)}));
}

TEST(RaceDetector, LoopTaskAndPlainThreadRace) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId task = s.spawn(m, "task", kLoop);
  const ThreadId plain = s.spawn(m, "plain");
  s.store(task, kX, 1, 51);
  s.load(plain, kX, 1, 60);
  EXPECT_EQ(signatures(s.end()), std::vector<std::string>{race(51, 60)});
}

TEST(RaceDetector, ConcurrentReadsThenWriteRaceWithEachReader) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId r1 = s.spawn(m, "r1");
  const ThreadId r2 = s.spawn(m, "r2");
  const ThreadId w = s.spawn(m, "w");
  s.load(r1, kX, 0, 70);
  s.load(r2, kX, 0, 71);  // concurrent with r1's read: the read epoch inflates
  s.store(w, kX, 1, 72);
  EXPECT_EQ(signatures(s.end()), (std::vector<std::string>{race(70, 72), race(71, 72)}));
}

TEST(RaceDetector, WriteAfterJoiningOneOfTwoReadersRacesWithTheOther) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId r1 = s.spawn(m, "r1");
  const ThreadId r2 = s.spawn(m, "r2");
  s.load(r1, kX, 0, 70);
  s.load(r2, kX, 0, 71);
  s.finish(r1);
  s.join(m, r1, 75);
  s.store(m, kX, 1, 76);
  EXPECT_EQ(signatures(s.end()), std::vector<std::string>{race(71, 76)});
}

TEST(RaceDetector, WriteAfterJoiningAllReadersIsClean) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId r1 = s.spawn(m, "r1");
  const ThreadId r2 = s.spawn(m, "r2");
  s.load(r1, kX, 0, 70);
  s.load(r2, kX, 0, 71);
  s.finish(r1);
  s.finish(r2);
  s.join(m, r1, 75);
  s.join(m, r2, 76);
  s.store(m, kX, 1, 77);
  const ThreadId r3 = s.spawn(m, "r3");  // reads after the write are ordered by the spawn
  s.load(r3, kX, 1, 80);
  EXPECT_TRUE(s.end().empty());
}

TEST(RaceDetector, OneFindingPerPairOfLocationsAcrossArrayElements) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "counter");
  const ThreadId b = s.spawn(m, "heartbeat");
  for (int32_t i = 0; i < 8; ++i) {
    s.store(a, values(i), 1, 33);
    s.load(b, values(i), 1, 39);
  }
  // The second pass races with every load again (read then write): still the same pair.
  for (int32_t i = 0; i < 8; ++i) s.store(a, values(i), 2, 33);
  const auto f = s.end();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].signature, race(33, 39));
  EXPECT_EQ(f[0].message.substr(0, 13), "on values[0]:");
}

TEST(RaceDetector, ReportShowsBothAccessesWithTheirClocks) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();         // main:1
  const ThreadId a = s.spawn(m, "a");  // a = [main:1 a:1], main:2
  const ThreadId b = s.spawn(m, "b");  // b = [main:2 a:0 b:1], main:3
  s.lock(m, kM1, 3);
  s.unlock(m, kM1, 4);  // m1 = [main:3], main:4
  s.lock(a, kM1, 8);    // a learns main:3 before its store
  s.unlock(a, kM1, 9);  // a:2
  const uint64_t first = s.next_step();
  s.store(a, kX, 1, 10);  // at [main:3 a:2 b:0]
  s.lock(m, kM2, 5);
  s.unlock(m, kM2, 6);  // m2 = [main:4], main:5
  s.lock(a, kM2, 11);   // a learns main:4 after its store: not part of the store's clock
  s.unlock(a, kM2, 12);
  const uint64_t second = s.next_step();
  s.store(b, kX, 2, 20);
  const auto f = s.end();
  ASSERT_EQ(f.size(), 1u);
  ASSERT_EQ(f[0].details.size(), 2u);
  EXPECT_EQ(f[0].details[0], "earlier access: store x=1 by 'a' at step " + std::to_string(first) +
                                 ", " + at(10) + ", clock [main:3 a:2 b:0]");
  EXPECT_EQ(f[0].details[1], "later access: store x=2 by 'b' at step " + std::to_string(second) +
                                 ", " + at(20) +
                                 ", clock [main:2 a:0 b:1]; 'a' had 2 > 0 known to 'b'");
}

TEST(RaceDetector, FailedCheckIsLinkedToTheRacingWriteItRead) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId counter = s.spawn(m, "counter");
  const ThreadId heartbeat = s.spawn(m, "heartbeat");
  s.store(counter, kX, 1, 30);
  s.load(heartbeat, kX, 1, 31);  // racy, but not an input of the check below
  s.sleep(heartbeat, 37);
  const uint64_t write_step = s.next_step();
  s.store(counter, values(2), 1, 33);
  s.load(heartbeat, values(2), 1, 39);
  s.check(heartbeat, false, 39);
  const auto f = s.end();
  ASSERT_EQ(signatures(f), (std::vector<std::string>{race(30, 31), race(33, 39)}));
  const Finding& linked = f[0].signature == race(33, 39) ? f[0] : f[1];
  const Finding& other = f[0].signature == race(33, 39) ? f[1] : f[0];
  EXPECT_TRUE(has_detail(linked, "the failed check at " + at(39) +
                                     " read values[2]=1, written by 'counter' at step " +
                                     std::to_string(write_step) + " (" + at(33) +
                                     "), a write that races with this read"));
  EXPECT_FALSE(has_detail(other, "failed check"));
}

TEST(RaceDetector, AFailedCheckReadingAnotherElementOfTheRaceSaysSo) {
  // values[1] and values[2] race through the same two lines: one race is reported (values[1]'s,
  // found first), and the failed check read values[2].
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId counter = s.spawn(m, "counter");
  const ThreadId heartbeat = s.spawn(m, "heartbeat");
  s.store(counter, values(1), 1, 33);
  s.load(heartbeat, values(1), 1, 39);
  const uint64_t write_step = s.next_step();
  s.store(counter, values(2), 1, 33);
  s.load(heartbeat, values(2), 1, 39);
  s.check(heartbeat, false, 39);
  const auto f = s.end();
  ASSERT_EQ(signatures(f), (std::vector<std::string>{race(33, 39)}));
  EXPECT_NE(f[0].message.find("values[1]"), std::string::npos) << f[0].message;
  EXPECT_TRUE(has_detail(f[0], "the failed check at " + at(39) +
                                   " read values[2]=1, written by 'counter' at step " +
                                   std::to_string(write_step) + " (" + at(33) +
                                   "), a write that races with this read (the same two lines "
                                   "race on values[2] too)"));
}

TEST(RaceDetector, FailedCheckWithoutRacingReadIsNotLinked) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId counter = s.spawn(m, "counter");
  const ThreadId heartbeat = s.spawn(m, "heartbeat");
  const ThreadId other = s.spawn(m, "other");
  s.store(other, kX, 1, 90);  // a race elsewhere, unrelated to the check
  s.store(counter, kX, 2, 91);
  s.lock(counter, kM1, 31);
  s.store(counter, values(2), 1, 33);
  s.unlock(counter, kM1, 34);
  s.lock(heartbeat, kM1, 36);
  s.load(heartbeat, values(2), 1, 39);  // ordered by the mutex: not racy
  s.check(heartbeat, false, 39);
  s.unlock(heartbeat, kM1, 40);
  const auto f = s.end();
  ASSERT_EQ(signatures(f), std::vector<std::string>{race(90, 91)});
  EXPECT_FALSE(has_detail(f[0], "failed check"));
}

TEST(RaceDetector, PassingCheckOrCheckAfterOtherWorkIsNotLinked) {
  RaceDetector d;
  Stream s(d);
  const ThreadId m = s.main();
  const ThreadId counter = s.spawn(m, "counter");
  const ThreadId heartbeat = s.spawn(m, "heartbeat");
  s.store(counter, values(1), 1, 33);
  s.load(heartbeat, values(1), 1, 39);
  s.check(heartbeat, true, 39);
  s.sleep(heartbeat, 40);  // a visible operation: the racy read is no longer the check's input
  s.check(heartbeat, false, 41);
  const auto f = s.end();
  ASSERT_EQ(signatures(f), std::vector<std::string>{race(33, 39)});
  EXPECT_FALSE(has_detail(f[0], "failed check"));
}

TEST(RaceDetector, WithoutExplainFindingsKeepMessageAndSignatureOnly) {
  std::vector<Finding> runs[2];
  for (const bool explain : {true, false}) {
    RaceDetector d(explain);
    Stream s(d);
    const ThreadId m = s.main();
    const ThreadId counter = s.spawn(m, "counter");
    const ThreadId heartbeat = s.spawn(m, "heartbeat");
    s.store(counter, values(1), 1, 33);
    s.load(heartbeat, values(1), 1, 39);
    s.check(heartbeat, false, 39);
    runs[explain ? 0 : 1] = s.end();
  }
  ASSERT_EQ(runs[0].size(), 1u);
  ASSERT_EQ(runs[1].size(), 1u);
  EXPECT_EQ(runs[0][0].details.size(), 3u);  // earlier, later, the failed check it explains
  EXPECT_TRUE(runs[1][0].details.empty());
  EXPECT_EQ(runs[1][0].message, runs[0][0].message);
  EXPECT_EQ(runs[1][0].signature, runs[0][0].signature);
  EXPECT_EQ(runs[1][0].step, runs[0][0].step);
}

TEST(RaceDetector, BeginRunResetsState) {
  RaceDetector d;
  {
    Stream s(d);
    const ThreadId m = s.main();
    const ThreadId a = s.spawn(m, "a");
    const ThreadId b = s.spawn(m, "b");
    s.store(a, kX, 1, 10);
    s.store(b, kX, 2, 20);
    ASSERT_EQ(s.end().size(), 1u);
  }
  {
    // Same ids, a clean run: a stale write of the last run's thread 1 would race with thread 2.
    Stream s(d);
    const ThreadId m = s.main();
    const ThreadId a = s.spawn(m, "a");
    const ThreadId b = s.spawn(m, "b");
    s.store(a, kX, 2, 20);
    s.finish(b);
    EXPECT_TRUE(s.end().empty());
  }
  {
    // The same race again: reported again (once per run, not once ever), with this run's names.
    Stream s(d);
    const ThreadId m = s.main();
    const ThreadId a = s.spawn(m, "p");
    const ThreadId b = s.spawn(m, "q");
    s.store(a, kX, 1, 10);
    s.store(b, kX, 2, 20);
    const auto f = s.end();
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].message.find("(thread 'p')"), std::string::npos);
  }
}

TEST(RaceDetector, NaiveCounterHeartbeatShapeRacesAndLockedShapeIsClean) {
  for (const bool locked : {false, true}) {
    RaceDetector d;
    Stream s(d);
    const ThreadId m = s.main();
    for (int32_t i = 0; i < 3; ++i) s.store(m, values(i), 0, 20);
    const ThreadId counter = s.spawn(m, "counter");
    const ThreadId heartbeat = s.spawn(m, "heartbeat");
    if (locked) s.lock(counter, kM1, 31);
    for (int32_t i = 0; i < 3; ++i) {
      s.load(counter, values(i), 0, 32);
      s.store(counter, values(i), 1, 33);
    }
    if (locked) s.unlock(counter, kM1, 35);
    s.sleep(heartbeat, 37);
    if (locked) s.lock(heartbeat, kM1, 38);
    s.load(heartbeat, values(0), 1, 39);
    for (int32_t i = 1; i < 3; ++i) {
      s.load(heartbeat, values(i), 1, 40);
      s.check(heartbeat, true, 40);
    }
    if (locked) s.unlock(heartbeat, kM1, 41);
    s.finish(counter);
    s.finish(heartbeat);
    s.join(m, counter, 22);
    s.join(m, heartbeat, 23);
    s.load(m, values(0), 1, 24);
    const auto f = s.end();
    if (locked) {
      EXPECT_TRUE(f.empty()) << f.front().message;
    } else {
      EXPECT_EQ(signatures(f), (std::vector<std::string>{race(33, 39), race(33, 40)}));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// LockOrderChecker

TEST(LockOrder, CycleFoundInARunWithoutDeadlock) {
  LockOrderChecker c;
  Stream s(c);
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "a");
  const ThreadId b = s.spawn(m, "b");
  s.lock(a, kM1, 10);
  s.lock(a, kM2, 11);
  s.unlock(a, kM2, 12);
  s.unlock(a, kM1, 13);
  s.finish(a);
  s.lock(b, kM2, 20);
  const uint64_t closing = s.next_step();
  s.lock(b, kM1, 21);
  s.unlock(b, kM1, 22);
  s.unlock(b, kM2, 23);
  const auto f = s.end();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kLockOrder);
  EXPECT_EQ(f[0].step, closing);
  EXPECT_EQ(f[0].signature, "lock_order|" + at(11) + "|" + at(21));
  EXPECT_EQ(f[0].message, "cycle m1 -> m2 -> m1: 'a' locks m2 while holding m1 at " + at(11) +
                              "; 'b' locks m1 while holding m2 at " + at(21));
  EXPECT_TRUE(has_detail(f[0], "'a' locks m2 at " + at(11)));
  EXPECT_TRUE(has_detail(f[0], "locked at " + at(20)));
}

TEST(LockOrder, SameOrderIsClean) {
  LockOrderChecker c;
  Stream s(c);
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "a");
  const ThreadId b = s.spawn(m, "b");
  for (const ThreadId t : {a, b, a}) {
    s.lock(t, kM1, 10);
    s.lock(t, kM2, 11);
    s.unlock(t, kM2, 12);
    s.unlock(t, kM1, 13);
  }
  s.lock(b, kM2, 20);  // m2 alone, then m1 after releasing it: no edge m2 -> m1
  s.unlock(b, kM2, 21);
  s.lock(b, kM1, 22);
  s.unlock(b, kM1, 23);
  EXPECT_TRUE(s.end().empty());
}

TEST(LockOrder, ThreeLockCycleIsOneFindingPerRun) {
  LockOrderChecker c;
  Stream s(c);
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "a");
  const ThreadId b = s.spawn(m, "b");
  const ThreadId t3 = s.spawn(m, "c");
  for (int round = 0; round < 2; ++round) {
    s.lock(b, kM2, 20);
    s.lock(b, kM3, 21);
    s.unlock(b, kM3, 22);
    s.unlock(b, kM2, 23);
    s.lock(t3, kM3, 30);
    s.lock(t3, kM1, 31);
    s.unlock(t3, kM1, 32);
    s.unlock(t3, kM3, 33);
    s.lock(a, kM1, 10);
    s.lock(a, kM2, 11);
    s.unlock(a, kM2, 12);
    s.unlock(a, kM1, 13);
  }
  const auto f = s.end();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].signature, "lock_order|" + at(11) + "|" + at(21) + "|" + at(31));
  EXPECT_EQ(f[0].message.substr(0, f[0].message.find(':')), "cycle m1 -> m2 -> m3 -> m1");
}

TEST(LockOrder, WaitReleasesItsMutex) {
  LockOrderChecker c;
  Stream s(c);
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "a");
  const ThreadId b = s.spawn(m, "b");
  s.lock(a, kM1, 10);
  s.wait(a, kCv, kM1, 11);  // m1 is free while a waits
  s.lock(b, kM2, 20);
  s.lock(b, kM1, 21);
  s.notify_one(b, kCv, 1, 22);
  s.unlock(b, kM1, 23);
  s.unlock(b, kM2, 24);
  s.wake(a, kCv, kM1, 11);
  s.unlock(a, kM1, 12);
  s.lock(a, kM2, 13);  // not while holding m1: no edge m1 -> m2
  s.unlock(a, kM2, 14);
  EXPECT_TRUE(s.end().empty());
}

TEST(LockOrder, WakeReacquiresItsMutex) {
  LockOrderChecker c;
  Stream s(c);
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "a");
  const ThreadId b = s.spawn(m, "b");
  s.lock(a, kM1, 10);
  s.wait(a, kCv, kM1, 11);
  s.lock(a, kM2, 12);  // impossible in a real wait, but shows the wake's re-lock is an acquire
  s.wake(a, kCv, kM1, 11);
  s.unlock(a, kM1, 13);
  s.unlock(a, kM2, 14);
  s.lock(b, kM1, 20);
  s.lock(b, kM2, 21);
  s.unlock(b, kM2, 22);
  s.unlock(b, kM1, 23);
  const auto f = s.end();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].signature, "lock_order|" + at(11) + "|" + at(21));
}

TEST(LockOrder, BeginRunResetsTheGraph) {
  LockOrderChecker c;
  {
    Stream s(c);
    const ThreadId m = s.main();
    const ThreadId a = s.spawn(m, "a");
    s.lock(a, kM1, 10);
    s.lock(a, kM2, 11);
    s.unlock(a, kM2, 12);
    s.unlock(a, kM1, 13);
    EXPECT_TRUE(s.end().empty());
  }
  {
    Stream s(c);
    const ThreadId m = s.main();
    const ThreadId b = s.spawn(m, "b");
    s.lock(b, kM2, 20);
    s.lock(b, kM1, 21);
    s.unlock(b, kM1, 22);
    s.unlock(b, kM2, 23);
    EXPECT_TRUE(s.end().empty());
  }
}

// ---------------------------------------------------------------------------------------------
// Checker

/// A run with one race on x and one lock-order inversion between m1 and m2.
void race_and_inversion(Stream& s) {
  const ThreadId m = s.main();
  const ThreadId a = s.spawn(m, "a");
  const ThreadId b = s.spawn(m, "b");
  s.lock(a, kM1, 10);
  s.lock(a, kM2, 11);
  s.store(a, kX, 1, 12);
  s.unlock(a, kM2, 13);
  s.unlock(a, kM1, 14);
  s.store(b, kX, 2, 24);  // before b takes the locks a released: unordered with a's store
  s.lock(b, kM2, 20);
  s.lock(b, kM1, 21);
  s.unlock(b, kM1, 22);
  s.unlock(b, kM2, 23);
}

std::vector<FindingKind> kinds(const std::vector<Finding>& findings) {
  std::vector<FindingKind> k;
  for (const Finding& f : findings) k.push_back(f.kind);
  return k;
}

TEST(Checker, RunsBothJudges) {
  Checker c;
  for (int run = 0; run < 2; ++run) {
    Stream s(c);
    race_and_inversion(s);
    const auto f = s.end();
    EXPECT_EQ(kinds(f),
              (std::vector<FindingKind>{FindingKind::kDataRace, FindingKind::kLockOrder}));
    EXPECT_EQ(signatures(f),
              (std::vector<std::string>{race(12, 24), "lock_order|" + at(11) + "|" + at(21)}));
  }
}

TEST(Checker, OptionsTurnEachJudgeOff) {
  Checker no_races(CheckerOptions{.races = false, .lock_order = true});
  Stream s1(no_races);
  race_and_inversion(s1);
  EXPECT_EQ(kinds(s1.end()), std::vector<FindingKind>{FindingKind::kLockOrder});

  Checker no_lock_order(CheckerOptions{.races = true, .lock_order = false});
  Stream s2(no_lock_order);
  race_and_inversion(s2);
  const auto f2 = s2.end();
  EXPECT_EQ(kinds(f2), std::vector<FindingKind>{FindingKind::kDataRace});
  EXPECT_FALSE(f2.front().details.empty());

  Checker lean(CheckerOptions{.races = true, .lock_order = true, .explain = false});
  Stream s3(lean);
  race_and_inversion(s3);
  const auto f3 = s3.end();
  ASSERT_EQ(kinds(f3), (std::vector<FindingKind>{FindingKind::kDataRace, FindingKind::kLockOrder}));
  EXPECT_TRUE(f3.front().details.empty());
}

}  // namespace
}  // namespace interleave
