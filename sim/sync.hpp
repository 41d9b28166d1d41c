// Simulated mutexes, condition variables, threads and cooperative event loops.
#pragma once

#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

#include "sim/execution.hpp"

namespace interleave::sim {

class Mutex {
 public:
  /// `index` >= 0 names one of several: "fork[2]".
  Mutex(Execution& x, const char* name, int32_t index = -1)
      : x_(&x), id_(x.add_object(ObjectKind::kMutex, name, index)) {}
  void lock(Loc loc = Loc::here()) { x_->lock(id_, loc); }
  bool try_lock(Loc loc = Loc::here()) { return x_->try_lock(id_, loc); }
  void unlock(Loc loc = Loc::here()) { x_->unlock(id_, loc); }
  ObjectId id() const { return id_; }

 private:
  Execution* x_;
  ObjectId id_;
};

/// notify_one wakes the longest-waiting thread; spurious wake-ups are not simulated.
class CondVar {
 public:
  /// `index` >= 0 names one of several: "not_empty[1]".
  CondVar(Execution& x, const char* name, int32_t index = -1)
      : x_(&x), id_(x.add_object(ObjectKind::kCondVar, name, index)) {}
  /// Releases `m`, waits for a notify, re-acquires `m`. The caller must hold `m`.
  void wait(Mutex& m, Loc loc = Loc::here()) { x_->wait(id_, m.id(), loc); }
  template <class Pred>
  void wait(Mutex& m, Pred pred, Loc loc = Loc::here()) {
    while (!pred()) x_->wait(id_, m.id(), loc);
  }
  void notify_one(Loc loc = Loc::here()) { x_->notify(id_, false, loc); }
  void notify_all(Loc loc = Loc::here()) { x_->notify(id_, true, loc); }

 private:
  Execution* x_;
  ObjectId id_;
};

/// A thread's handle, as std::thread: move-only, and it must be joined. One destroyed while its
/// thread is joinable is a finding, where std::thread calls std::terminate, and joins the thread
/// (it may still use what its spawner is destroying). An event loop's task handle need not be
/// joined: the loop's run() joins its tasks.
class Thread {
 public:
  Thread() = default;
  Thread(Execution& x, ThreadId id, bool must_join = true)
      : x_(&x), id_(id), joinable_(must_join) {}
  Thread(Thread&& other) noexcept
      : x_(other.x_), id_(other.id_), joinable_(std::exchange(other.joinable_, false)) {}
  Thread& operator=(Thread&& other) {
    if (this != &other) {
      if (joinable_) x_->never_joined(id_);  // as std::thread's move assignment
      x_ = other.x_;
      id_ = other.id_;
      joinable_ = std::exchange(other.joinable_, false);
    }
    return *this;
  }
  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;
  // Joins a forgotten thread: a run that ends meanwhile unwinds from inside this destructor.
  ~Thread() noexcept(false) {
    if (joinable_) x_->never_joined(id_);
  }
  void join(Loc loc = Loc::here()) {
    joinable_ = false;
    if (x_ != nullptr) x_->join(id_, loc);
  }
  bool joinable() const { return joinable_; }
  ThreadId id() const { return id_; }

 private:
  Execution* x_ = nullptr;
  ThreadId id_ = kNoThread;
  bool joinable_ = false;
};

template <class Rep, class Period>
int64_t to_nanos(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

/// An asyncio-style loop: its tasks share one OS thread and switch only at awaits (yield_now,
/// sleep_for, the end of a task). Other threads still interleave with the running task.
class EventLoop {
 public:
  EventLoop(Execution& x, const char* name) : x_(&x), id_(x.add_object(ObjectKind::kLoop, name)) {}

  template <class F>
  Thread spawn(const char* name, F&& body, Loc loc = Loc::here()) {
    const ThreadId t = x_->spawn(name, std::forward<F>(body), loc, id_);
    tasks_.push_back(t);
    return Thread(*x_, t, /*must_join=*/false);
  }
  template <class F>
  Thread spawn(const std::string& name, F&& body, Loc loc = Loc::here()) {
    return spawn(x_->keep_name(name), std::forward<F>(body), loc);
  }
  /// `await asyncio.sleep(0)`: let the loop run another task.
  void yield_now(Loc loc = Loc::here()) { x_->await(loc); }
  template <class Rep, class Period>
  void sleep_for(std::chrono::duration<Rep, Period> d, Loc loc = Loc::here()) {
    x_->sleep(to_nanos(d), loc, /*awaits=*/true);
  }
  /// Runs the loop until every task has finished.
  void run(Loc loc = Loc::here()) {
    // (by index: a task may spawn tasks, which the loop runs too)
    for (std::size_t i = 0; i < tasks_.size(); ++i) x_->join(tasks_[i], loc);
    tasks_.clear();
  }

 private:
  Execution* x_;
  ObjectId id_;
  std::vector<ThreadId> tasks_;
};

}  // namespace interleave::sim
