// The happens-before data-race detector: vector clocks with FastTrack epochs, over the event
// stream. Ground rules:
//  - a pure function of on_thread/on_event calls between begin_run and end_run: no fiber code;
//  - the per-event path allocates nothing once storage has grown (state lives in vectors indexed
//    by ThreadId / ObjectId, cleared but not freed by begin_run);
//  - happens-before: program order; spawn; join; unlock (and wait) -> later lock (and wake) of the
//    same mutex; atomics as their memory order says: a releasing store replaces the location's
//    clock (a release sequence ends at a store; a relaxed one empties it), a read-modify-write
//    joins into it if it releases (and keeps it if not), an acquiring read acquires it; a
//    notify -> the wakes it caused (only those: a waiter woken by another notify is not ordered
//    after it); tasks of one event loop are ordered by the loop's switches;
//  - a race is reported once per run per pair of source locations, never per element or value;
//  - a lean detector (explain off) begun for a search can be rewound: every change to its run's
//    state is saved first in an undo log (keep*), and storage holding saved state never moves
//    unseen (grow).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "checker/shadow.hpp"
#include "checker/vector_clock.hpp"
#include "sim/event.hpp"
#include "sim/finding.hpp"

namespace interleave {

/// Finds pairs of plain (Shared) accesses, at least one a write, unordered by happens-before.
/// Also links a failed check to the racing write its thread's last reads observed.
class RaceDetector final : public Monitor {
 public:
  /// With `explain` false, findings carry only their message and signature: no clocks, no access
  /// details, no link to a failed check. Cheaper while searching; replay with it on to explain.
  explicit RaceDetector(bool explain = true) : explain_(explain) {}

  /// Forgets the previous run (keeps storage).
  void begin_run() override;
  /// Appends this run's data_race findings.
  void end_run(std::vector<Finding>& findings) override;
  /// Keeps what rewind() needs, when lean.
  void begin_rewindable_run() override;
  /// A lean detector begun for a search goes back to the state after `calls` calls of its last
  /// run.
  bool rewind(uint64_t calls) override;
  /// A thread starts with its parent's clock; the parent's later work is not ordered before it.
  void on_thread(ThreadId thread, const char* name, ThreadId parent, ObjectId loop) override;
  void on_event(const Event& event) override;

  /// The current clock of `thread` (for tests and reports).
  const VectorClock& clock_of(ThreadId thread) const;
  /// Clocks of notifies kept for wakes (for tests: a long run keeps only those still awaited).
  std::size_t notify_clocks_kept() const { return notifies_used_; }

 private:
  /// A read that observed a write it races with: kept to explain a failed check that follows.
  struct RacyRead {
    Access read;
    Access writer;
    const char* name = nullptr;
    int32_t index = -1;
  };
  static constexpr std::size_t kRecentReads = 4;

  struct ThreadState {
    VectorClock clock;
    std::vector<uint32_t> history;  // clock snapshots: [size, entries...] per non-own change
    uint32_t snapshot = 0;          // invariant: offset of the last snapshot in `history`
    ObjectId loop = kNoObject;      // the event loop this thread is a task of
    bool live = false;
    // Racy reads since the thread's last visible operation that was not a plain load.
    std::array<RacyRead, kRecentReads> recent{};
    uint32_t recent_count = 0;
  };

  /// One reported race: its (sorted) pair of locations and its finding.
  struct RaceKey {
    Loc first;
    Loc second;
    std::size_t finding = 0;
    bool linked = false;  // a failed-check explanation was already added
    // The location of the race reported (others racing through the same two lines are not).
    const char* name = nullptr;
    int32_t index = -1;
  };

  // Rewinding: saving state before it changes (lean detectors only).
  template <class T>
  void keep(const T& x) {
    if (journal_) undo_.save(x);
  }
  void keep(VectorClock& clock) {
    if (journal_) clock.save_to(undo_);
  }
  template <class T>
  void keep_all(std::vector<T>& v) {
    if (journal_) undo_.save_all(v);
  }
  /// Resizes storage whose elements the undo log may point into.
  template <class T, class... Fill>
  void grow(std::vector<T>& v, std::size_t n, const Fill&... fill) {
    if (n > v.capacity()) undo_.forget();  // they are about to move
    v.resize(n, fill...);
  }
  void tick(ThreadState& t, ThreadId tid) {
    keep(t.clock);
    t.clock.tick(tid);
  }
  void release(const ThreadState& t, VectorClock& sync) {
    keep(sync);
    t.clock.release(sync);
  }
  void release_store(const ThreadState& t, VectorClock& sync) {
    keep(sync);
    t.clock.release_store(sync);
  }

  ThreadState& thread(ThreadId t);
  ThreadState& start_thread(ThreadId t, const ThreadState* parent);
  VectorClock& sync(ObjectId object);
  Shadow& shadow(ObjectId object) {
    const uint32_t i = to_index(object);
    if (i >= shadows_.size()) [[unlikely]]
      grow(shadows_, i + 1);
    return shadows_[i];
  }
  void acquire(ThreadState& t, const VectorClock& sync);
  void take_snapshot(ThreadState& t);
  void enter_loop(ThreadId tid, ThreadState& t);
  void read(ThreadId tid, ThreadState& t, const Event& e);
  void write(ThreadId tid, ThreadState& t, const Event& e);
  void check_reads_before_write(ThreadId tid, const ThreadState& t, Shadow& s, const Event& e);
  void racy_read(ThreadId tid, ThreadState& t, const Shadow& s, const Event& e);
  Access access_of(ThreadId tid, const ThreadState& t, const Event& e) const;

  /// Reports the race between `earlier` and the current access `e` of `tid`, unless its pair of
  /// locations was reported in this run already.
  void report(const Access& earlier, ThreadId tid, const ThreadState& t, const Event& e) {
    // A racy loop hits the same pair over and over: recognise it without leaving the hot path
    // (same file pointer and line, either order; report_slow compares file names in full).
    for (const RaceKey& k : races_) {
      if ((identical(k.first, earlier.loc) && identical(k.second, e.loc)) ||
          (identical(k.first, e.loc) && identical(k.second, earlier.loc))) {
        return;
      }
    }
    report_slow(earlier, access_of(tid, t, e), e);
  }
  static bool identical(Loc a, Loc b) { return a.line == b.line && a.file == b.file; }
  /// Fills `a` field by field (copying a stack temporary here costs a store-forwarding stall).
  static void record(Access& a, ThreadId tid, const ThreadState& t, const Event& e) {
    a.loc = e.loc;
    a.step = e.step;
    a.value = e.value;
    a.thread = tid;
    a.clock = t.clock.get(tid);
    a.snapshot = t.snapshot;
    a.op = e.op;
  }

  // Cold paths (race_report.cpp).
  /// A reported pair's text, kept across runs when not explaining (the search builds it once).
  struct LeanText {
    Loc first;
    Loc second;
    std::string message;
    std::string signature;
  };
  std::vector<LeanText> lean_texts_;
  void report_slow(const Access& earlier, const Access& later, const Event& e);
  void explain_failed_check(ThreadState& t, const Event& check);
  std::string describe(const Access& a, const char* name, int32_t index) const;
  std::string clock_at(const Access& a) const;

  std::vector<ThreadState> threads_;  // index = ThreadId
  uint32_t threads_used_ = 0;         // invariant: threads_[i].live implies i < threads_used_
  std::vector<std::string> names_;    // index = ThreadId
  std::vector<VectorClock> sync_;     // index = ObjectId: mutex, atomic, condvar or loop clock
  uint32_t sync_used_ = 0;            // invariant: entries at or past it are empty
  std::vector<ThreadId> loop_last_;   // index = loop ObjectId: the task that ran last on it
  std::vector<Shadow> shadows_;       // index = ObjectId of a plain location
  std::vector<ReadSet> read_sets_;    // pool; the first read_sets_used_ belong to this run
  uint32_t read_sets_used_ = 0;
  /// A notify that woke someone: its thread's clock then, for the wakes it caused.
  struct NotifyClock {
    uint64_t step = 0;
    VectorClock clock;
    int64_t left = 0;  // wakes it caused still to come (kept up only when not journaling)
  };
  // Pool; the first notifies_used_ belong to this run, in step order, and never change once
  // written (so rewinding only restores the count). A run that is not journaled drops those
  // whose wakes have all come, now and then: a long timed run keeps only the awaited ones.
  std::vector<NotifyClock> notifies_;
  uint32_t notifies_used_ = 0;
  uint32_t compact_at_ = kCompactAt;
  static constexpr uint32_t kCompactAt = 64;
  /// The notify at `step` in this run (null if it woke nobody or is not known).
  NotifyClock* notify_at(int64_t step);
  /// Drops the notifies whose wakes have all come (not journaling).
  void drop_spent_notifies();
  std::vector<Finding> findings_;
  std::vector<RaceKey> races_;
  std::size_t linked_ = 0;  // invariant: how many of races_ are linked
  bool explain_ = true;
  bool journal_ = false;  // lean and begun for a search: undo_ keeps every change of the run
  UndoLog undo_;
};

}  // namespace interleave
