// The lock-order checker: a cycle in the lock-acquisition graph is a potential deadlock, reported
// even when the run itself completes (as ThreadSanitizer does).
// Ground rules: a pure function of the event stream; the graph holds one run; an edge A -> B is
// added the first time a thread acquires B (lock, or the re-lock of a wake) while holding A, and
// remembers where; a cycle is looked for only when an edge is new, so the steady state is cheap.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/event.hpp"
#include "sim/finding.hpp"

namespace interleave {

/// Reports lock_order findings: cycles of "acquired while holding" between mutexes.
class LockOrderChecker final : public Monitor {
 public:
  /// Forgets the previous run's graph (keeps storage).
  void begin_run() override;
  /// Appends this run's lock_order findings.
  void end_run(std::vector<Finding>& findings) override;
  void on_thread(ThreadId thread, const char* name, ThreadId parent, ObjectId loop) override;
  void on_event(const Event& event) override;

 private:
  struct Held {
    ObjectId mutex = kNoObject;
    Loc loc{};  // where it was acquired
  };
  /// An edge from -> to of the acquisition graph, as first created.
  struct Edge {
    ObjectId from = kNoObject;
    ObjectId to = kNoObject;
    ThreadId thread{0};
    Loc loc{};       // where `to` was acquired
    Loc held_loc{};  // where `from` had been acquired
    uint64_t step = 0;
  };
  struct MutexState {
    const char* name = nullptr;
    int32_t index = -1;
    std::vector<uint32_t> out;  // indices into edges_
  };

  void acquired(ThreadId thread, ObjectId mutex, const Event& e);
  void released(ThreadId thread, ObjectId mutex);
  MutexState& mutex(ObjectId m);
  std::vector<Held>& held(ThreadId thread);
  bool find_path(ObjectId from, ObjectId to, std::vector<uint32_t>& path);
  void report_cycle(std::vector<uint32_t> cycle);
  std::string mutex_label(ObjectId m) const;
  std::string thread_label(ThreadId t) const;

  std::vector<std::vector<Held>> held_;  // index = ThreadId; what each thread holds, in order
  uint32_t held_used_ = 0;
  std::vector<MutexState> mutexes_;  // index = ObjectId
  uint32_t mutexes_used_ = 0;
  std::vector<Edge> edges_;
  std::vector<std::string> names_;  // thread names, index = ThreadId
  // Scratch for the cycle search, kept to avoid allocating per search.
  std::vector<uint32_t> seen_;  // index = ObjectId; == search_ when visited this search
  std::vector<uint32_t> via_;   // index = ObjectId; the edge the search reached it by
  std::vector<ObjectId> stack_;
  uint32_t search_ = 0;
  std::vector<Finding> findings_;
};

}  // namespace interleave
