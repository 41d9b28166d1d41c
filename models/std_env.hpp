// StdEnv: the same models on real threads, std::mutex and plain memory, at zero overhead.
// Plain `Shared<T>` accesses are real unsynchronised accesses, so ThreadSanitizer judges them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/context/fiber.hpp>
#include <boost/context/fixedsize_stack.hpp>

#include "models/native_run.hpp"
#include "sim/event.hpp"
#include "sim/fiber_sanitizer.hpp"
#include "sim/loc.hpp"

namespace interleave {

class StdEnv;

namespace native {

template <class T>
class Shared {
 public:
  template <class Env>
  Shared(Env&, const char*, T initial = T{}) : value_(initial) {}
  T load(Loc = Loc::here()) const { return value_; }
  void store(T v, Loc = Loc::here()) { value_ = v; }

 private:
  T value_;
};

template <class T>
class SharedArray {
 public:
  template <class Env>
  SharedArray(Env&, const char*, std::size_t size, T initial = T{})
      : values_(std::make_unique<T[]>(size)), size_(size) {
    for (std::size_t i = 0; i < size; ++i) values_[i] = initial;
  }
  class Ref {
   public:
    T load(Loc = Loc::here()) const { return *p_; }
    void store(T v, Loc = Loc::here()) { *p_ = v; }

   private:
    friend class SharedArray;
    explicit Ref(T* p) : p_(p) {}
    T* p_;
  };
  Ref operator[](std::size_t i) { return Ref(&values_[i]); }
  std::size_t size() const { return size_; }

 private:
  std::unique_ptr<T[]> values_;
  std::size_t size_;
};

/// std::atomic, with the orders a model names. An order std::atomic does not allow for an
/// operation (a store with acquire, a load with release) is undefined there: it runs as seq_cst
/// here, and the simulator reports it as a misuse.
template <class T>
class Atomic {
 public:
  using Order = std::memory_order;
  static constexpr Order kSeqCst = std::memory_order_seq_cst;

  template <class Env>
  Atomic(Env&, const char*, T initial = T{}, int32_t = -1) : value_(initial) {}
  T load(Order order = kSeqCst, Loc = Loc::here()) const { return value_.load(for_load(order)); }
  T load(Loc) const { return value_.load(); }
  void store(T v, Order order = kSeqCst, Loc = Loc::here()) {
    value_.store(v, store_order_ok(order) ? order : kSeqCst);
  }
  void store(T v, Loc) { value_.store(v); }
  T exchange(T v, Order order = kSeqCst, Loc = Loc::here()) { return value_.exchange(v, order); }
  T exchange(T v, Loc) { return value_.exchange(v); }
  bool compare_exchange(T& expected, T desired, Order success, Order failure, Loc = Loc::here()) {
    return value_.compare_exchange_strong(expected, desired, success, for_load(failure));
  }
  bool compare_exchange(T& expected, T desired, Order order = kSeqCst, Loc = Loc::here()) {
    return value_.compare_exchange_strong(expected, desired, order);
  }
  bool compare_exchange(T& expected, T desired, Loc) {
    return value_.compare_exchange_strong(expected, desired);
  }
  bool compare_exchange_strong(T& expected, T desired, Order success, Order failure,
                               Loc loc = Loc::here()) {
    return compare_exchange(expected, desired, success, failure, loc);
  }
  bool compare_exchange_strong(T& expected, T desired, Order order = kSeqCst, Loc = Loc::here()) {
    return value_.compare_exchange_strong(expected, desired, order);
  }
  bool compare_exchange_strong(T& expected, T desired, Loc) {
    return value_.compare_exchange_strong(expected, desired);
  }
  bool compare_exchange_weak(T& expected, T desired, Order success, Order failure,
                             Loc = Loc::here()) {
    return value_.compare_exchange_weak(expected, desired, success, for_load(failure));
  }
  bool compare_exchange_weak(T& expected, T desired, Order order = kSeqCst, Loc = Loc::here()) {
    return value_.compare_exchange_weak(expected, desired, order);
  }
  bool compare_exchange_weak(T& expected, T desired, Loc) {
    return value_.compare_exchange_weak(expected, desired);
  }
  T fetch_add(T delta, Order order = kSeqCst, Loc = Loc::here()) {
    return value_.fetch_add(delta, order);
  }
  T fetch_add(T delta, Loc) { return value_.fetch_add(delta); }
  T fetch_sub(T delta, Order order = kSeqCst, Loc = Loc::here()) {
    return value_.fetch_sub(delta, order);
  }
  T fetch_sub(T delta, Loc) { return value_.fetch_sub(delta); }

 private:
  static Order for_load(Order order) { return load_order_ok(order) ? order : kSeqCst; }

  std::atomic<T> value_;
};

class Mutex {
 public:
  template <class Env>
  Mutex(Env& env, const char* name, int32_t index = -1)
      : run_(&env.native_run()), name_(name), index_(index) {}
  void lock(Loc loc = Loc::here()) {
    if (m_.try_lock()) [[likely]]
      return;
    // Taken: this thread may wait long, so it counts as blocked (deadlock-by-timeout).
    NativeRun::Blocked blocked(run_, "waits to lock", name_, index_, loc);
    m_.lock();
  }
  bool try_lock(Loc = Loc::here()) { return m_.try_lock(); }
  void unlock(Loc = Loc::here()) { m_.unlock(); }
  std::mutex& native() { return m_; }

 private:
  std::mutex m_;
  NativeRun* run_;
  const char* name_;
  int32_t index_;
};

class CondVar {
 public:
  template <class Env>
  CondVar(Env& env, const char* name, int32_t index = -1)
      : run_(&env.native_run()), name_(name), index_(index) {}
  void wait(Mutex& m, Loc loc = Loc::here()) {
    NativeRun::Blocked blocked(run_, "waits on condition variable", name_, index_, loc);
    std::unique_lock<std::mutex> held(m.native(), std::adopt_lock);
    cv_.wait(held);
    held.release();  // the caller still owns the mutex, as with the simulated CondVar
  }
  template <class Pred>
  void wait(Mutex& m, Pred pred, Loc loc = Loc::here()) {
    while (!pred()) wait(m, loc);
  }
  void notify_one(Loc = Loc::here()) { cv_.notify_one(); }
  void notify_all(Loc = Loc::here()) { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
  NativeRun* run_;
  const char* name_;
  int32_t index_;
};

/// A thread's handle. One destroyed (or assigned to) while its thread is joinable is a finding,
/// where std::thread would call std::terminate; the thread is joined then, since it may still
/// use what its spawner is about to destroy.
class Thread {
 public:
  Thread() = default;
  Thread(std::thread t, NativeRun* run, const char* name)
      : t_(std::move(t)), run_(run), name_(name) {}
  Thread(Thread&&) noexcept = default;
  Thread& operator=(Thread&& other) noexcept {
    if (this != &other) {
      forgotten();
      t_ = std::move(other.t_);
      run_ = other.run_;
      name_ = other.name_;
    }
    return *this;
  }
  ~Thread() { forgotten(); }
  void join(Loc loc = Loc::here()) {
    if (!t_.joinable()) return;
    NativeRun::Blocked blocked(run_, "waits to join", name_, -1, loc);
    t_.join();
  }
  bool joinable() const { return t_.joinable(); }

 private:
  void forgotten() noexcept {
    if (!t_.joinable()) return;
    if (run_ != nullptr) run_->never_joined(name_);
    t_.join();
  }

  std::thread t_;
  NativeRun* run_ = nullptr;
  const char* name_ = "";
};

/// An asyncio-style loop on the calling thread: tasks are fibers that switch only at awaits.
class EventLoop {
 public:
  EventLoop(StdEnv& env, const char*);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  template <class F>
  Thread spawn(const char* name, F&& body, Loc = Loc::here());
  template <class F>
  Thread spawn(const std::string& name, F&& body, Loc loc = Loc::here());
  void yield_now(Loc = Loc::here());
  template <class Rep, class Period>
  void sleep_for(std::chrono::duration<Rep, Period> d, Loc loc = Loc::here()) {
    wake_at(std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(d),
            loc);
  }
  /// Runs the tasks, round-robin among those ready, until every one has finished.
  void run(Loc = Loc::here());

 private:
  struct Task {
    boost::context::fiber fiber;
    fiber_sanitizer::Handle san;  // how the sanitizers see its fiber (nothing without them)
    const char* name = "";
    std::chrono::steady_clock::time_point wake{};
    bool started = false;
    bool done = false;
  };
  void wake_at(std::chrono::steady_clock::time_point when, Loc loc);
  /// Runs `t` until its next await or its end.
  void resume(Task* t);
  fiber_sanitizer::Context* running_context() { return running_ ? running_->san.get() : &san_; }

  StdEnv* env_;
  std::vector<std::unique_ptr<Task>> tasks_;
  Task* running_ = nullptr;
  boost::context::fiber loop_;  // the loop's own context while a task runs
  // The loop's own stack as the sanitizers see it (an empty member without them).
  [[no_unique_address]] fiber_sanitizer::Context san_;
  bool cancelled_ = false;  // tasks that have not started yet end at once
};

}  // namespace native

/// The native environment. Construct it over a NativeRun that collects findings and notes.
class StdEnv {
 public:
  static constexpr bool kSimulated = false;

  template <class T>
  using Shared = native::Shared<T>;
  template <class T>
  using SharedArray = native::SharedArray<T>;
  template <class T>
  using Atomic = native::Atomic<T>;
  using Mutex = native::Mutex;
  using CondVar = native::CondVar;
  using Thread = native::Thread;
  using EventLoop = native::EventLoop;

  explicit StdEnv(NativeRun& run) : run_(&run) {}

  template <class F>
  Thread spawn(const char* name, F&& body, Loc = Loc::here()) {
    return Thread(
        std::thread([this, name, fn = std::forward<F>(body)]() mutable { guarded(name, fn); }),
        run_, name);
  }
  /// A name built at run time ("philosopher " + std::to_string(p)) is copied for the run.
  template <class F>
  Thread spawn(const std::string& name, F&& body, Loc loc = Loc::here()) {
    return spawn(run_->keep_name(name), std::forward<F>(body), loc);
  }
  /// A copy of `name` that lives as long as the run: for the name of an object a model builds.
  const char* keep_name(const std::string& name) { return run_->keep_name(name); }
  void yield(Loc = Loc::here()) { std::this_thread::yield(); }
  template <class Rep, class Period>
  void sleep_for(std::chrono::duration<Rep, Period> d, Loc = Loc::here()) {
    std::this_thread::sleep_for(d);
  }
  void check(bool holds, const char* message, Loc loc = Loc::here()) {
    if (!holds) [[unlikely]]
      run_->check_failed(message, loc);
  }
  /// Natively a false assumption cannot discard the run; it is ignored.
  void assume(bool) {}
  uint64_t random(uint64_t bound);
  void note(const char* label, int64_t value, Loc = Loc::here()) { run_->note(label, value); }
  /// Model work: natively it simply takes the time it takes.
  void work(uint64_t) {}
  bool running() const { return run_->running(); }
  double now() const { return run_->now(); }
  NativeRun& native_run() const { return *run_; }

  /// Runs `fn`, turning an escaping exception into a finding of this run.
  template <class F>
  void guarded(const char* name, F& fn) {
    NativeRun::ThreadName named(name, run_);
    try {
      fn();
    } catch (const boost::context::detail::forced_unwind&) {
      throw;
    } catch (const std::exception& e) {
      run_->threw(name, e.what());
    } catch (...) {
      run_->threw(name, "an exception not derived from std::exception");
    }
  }

 private:
  NativeRun* run_;
};

namespace native {

template <class F>
Thread EventLoop::spawn(const std::string& name, F&& body, Loc loc) {
  return spawn(env_->keep_name(name), std::forward<F>(body), loc);
}

template <class F>
Thread EventLoop::spawn(const char* name, F&& body, Loc) {
  auto task = std::make_unique<Task>();
  Task* t = task.get();
  t->name = name;
  boost::context::fixedsize_stack stacks;
  boost::context::stack_context stack = stacks.allocate();
  t->san = fiber_sanitizer::Handle(stack);
  t->fiber = fiber_sanitizer::construct(running_context(), t->san, [&] {
    return boost::context::fiber(
        std::allocator_arg, boost::context::preallocated(stack.sp, stack.size, stack), stacks,
        [this, t, fn = std::forward<F>(body)](boost::context::fiber&& loop) mutable {
          fiber_sanitizer::land(t->san.get(), &san_);
          t->started = true;
          loop_ = std::move(loop);
          if (!cancelled_) env_->guarded(t->name, fn);
          t->done = true;
          fiber_sanitizer::leave_for_good(san_);
          return std::move(loop_);
        });
  });
  tasks_.push_back(std::move(task));
  return Thread();
}

}  // namespace native

/// Shorthands so models read `Shared<Env, int> x(env, "x");`.
template <class Env, class T>
using Shared = typename Env::template Shared<T>;
template <class Env, class T>
using SharedArray = typename Env::template SharedArray<T>;
template <class Env, class T>
using Atomic = typename Env::template Atomic<T>;
template <class Env>
using Mutex = typename Env::Mutex;
template <class Env>
using CondVar = typename Env::CondVar;
template <class Env>
using EventLoop = typename Env::EventLoop;

/// lock_guard for either environment, keeping the caller's source location on lock and unlock.
template <class M>
class ScopedLock {
 public:
  explicit ScopedLock(M& m, Loc loc = Loc::here()) : m_(m), loc_(loc) { m_.lock(loc_); }
  // A run that ends while this thread waits to unlock here (at the step limit) unwinds the
  // thread's stack from inside this destructor.
  ~ScopedLock() noexcept(false) { m_.unlock(loc_); }
  ScopedLock(const ScopedLock&) = delete;
  ScopedLock& operator=(const ScopedLock&) = delete;

 private:
  M& m_;
  Loc loc_;
};

}  // namespace interleave
