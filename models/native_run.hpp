// The shared state of one native run: deadline, findings, notes and which threads are blocked,
// safe across real threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "sim/finding.hpp"
#include "sim/loc.hpp"

namespace interleave {

/// A labelled value a model reported natively (a heartbeat), with when it happened.
struct NativeNote {
  const char* label = "";
  int64_t value = 0;
  double t = 0;                       // seconds since the run started
  uint64_t failed_checks_before = 0;  // checks that had failed in the run before this note
};

/// What a native run reports. Checks that fail are counted per location; the first of each is
/// kept as a Finding with the same kind and signature the simulator uses.
class NativeRun {
 public:
  using Clock = std::chrono::steady_clock;
  /// Told of each note as it is made (with the checks failed before it).
  using NoteFn = std::function<void(const NativeNote& note)>;

  /// `duration` <= 0: no deadline (finite models run to their end).
  explicit NativeRun(double duration_s = 0, NoteFn on_note = {});
  /// A copy of `name` that lives as long as the run: for names a model builds.
  const char* keep_name(std::string name);

  /// While in scope, names the calling thread for findings, as the simulator does, and counts it
  /// as a live thread of `run` (a nested scope on the same thread, an event-loop task, only
  /// renames it).
  class ThreadName {
   public:
    explicit ThreadName(const char* name, NativeRun* run = nullptr);
    ~ThreadName();
    ThreadName(const ThreadName&) = delete;
    ThreadName& operator=(const ThreadName&) = delete;
    /// Out of line: the thread-local is read in the file that defines it.
    static const char* current();

   private:
    const char* previous_;
    NativeRun* registered_ = nullptr;  // set when this scope registered the thread
    static thread_local const char* current_;
  };

  /// While in scope, the calling thread counts as blocked: it waits for `object` (a mutex to
  /// lock, a condition variable, a thread to join). Only slow paths (a lock already taken, a
  /// wait, a join) make one, so the fast paths stay plain std calls.
  class Blocked {
   public:
    Blocked(NativeRun* run, const char* what, const char* object, int32_t index, Loc loc);
    ~Blocked();
    Blocked(const Blocked&) = delete;
    Blocked& operator=(const Blocked&) = delete;

   private:
    NativeRun* run_;
  };

  /// A snapshot for deadlock-by-timeout: the epoch changes whenever a thread starts, ends,
  /// blocks or wakes, so an unchanged epoch with every live thread blocked means no progress.
  struct Progress {
    int64_t live = 0;
    int64_t blocked = 0;
    uint64_t epoch = 0;
  };
  Progress progress() const;
  /// The deadlock finding for a run stuck for `seconds`, naming what each thread waits for.
  Finding deadlock(double seconds) const;

  bool running() const { return !has_deadline_ || Clock::now() < deadline_; }
  double now() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  void check_failed(const char* message, Loc loc);
  void threw(const char* thread, const std::string& what);
  /// A handle of `thread` was destroyed while it was joinable (std::thread: std::terminate).
  void never_joined(const char* thread);
  void note(const char* label, int64_t value);

  /// Distinct findings, each with how many times it happened.
  std::vector<std::pair<Finding, uint64_t>> findings() const;
  /// Every note so far, in order.
  std::vector<NativeNote> notes() const;
  /// Every failed check so far (not one per site).
  uint64_t failed_checks() const { return failed_checks_.load(std::memory_order_relaxed); }

 private:
  /// A live (or ended) real thread of the run, and what it waits for while blocked.
  struct ThreadSlot {
    const char* name = "";
    std::atomic<bool> alive{true};
    std::atomic<const char*> waits{nullptr};  // "lock", "join", ...; null while not blocked
    const char* object = "";                  // read by the watchdog once the thread is stuck
    int32_t index = -1;
    Loc loc;
  };
  static thread_local ThreadSlot* slot_;

  void add(Finding f);

  Clock::time_point start_;
  Clock::time_point deadline_;
  bool has_deadline_;
  NoteFn on_note_;
  std::atomic<uint64_t> failed_checks_{0};
  std::atomic<int64_t> live_{0};
  std::atomic<int64_t> blocked_{0};
  std::atomic<uint64_t> epoch_{0};
  mutable std::mutex mu_;
  std::deque<std::string> kept_names_;                  // guarded by mu_; a deque: they never move
  std::vector<std::pair<Finding, uint64_t>> findings_;  // guarded by mu_
  struct CheckSite {
    const char* file;
    unsigned line;
    std::string message;
    std::size_t finding;  // index in findings_
  };
  std::vector<CheckSite> check_sites_;  // guarded by mu_
  std::vector<NativeNote> notes_;       // guarded by mu_
  std::deque<ThreadSlot> threads_;      // guarded by mu_ (elements never move)
};

}  // namespace interleave
