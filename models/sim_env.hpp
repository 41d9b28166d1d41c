// SimEnv: the environment whose every shared access is a scheduling point of the simulator.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "sim/atomic.hpp"
#include "sim/execution.hpp"
#include "sim/shared.hpp"
#include "sim/sync.hpp"

namespace interleave {

/// Models written over an environment get this one for simulation. Objects take the environment
/// as their first constructor argument (`Shared<Env, int> x(env, "x");`).
class SimEnv {
 public:
  static constexpr bool kSimulated = true;

  template <class T>
  using Shared = sim::Shared<T>;
  template <class T>
  using SharedArray = sim::SharedArray<T>;
  template <class T>
  using Atomic = sim::Atomic<T>;
  using Mutex = sim::Mutex;
  using CondVar = sim::CondVar;
  using Thread = sim::Thread;
  using EventLoop = sim::EventLoop;

  explicit SimEnv(Execution& x) : x_(&x) {}
  /// Simulated objects are constructed from the environment.
  operator Execution&() const { return *x_; }  // NOLINT(google-explicit-constructor)

  template <class F>
  Thread spawn(const char* name, F&& body, Loc loc = Loc::here()) {
    return Thread(*x_, x_->spawn(name, std::forward<F>(body), loc));
  }
  /// A name built at run time ("philosopher " + std::to_string(p)) is copied, once per name.
  template <class F>
  Thread spawn(const std::string& name, F&& body, Loc loc = Loc::here()) {
    return spawn(x_->keep_name(name), std::forward<F>(body), loc);
  }
  /// A copy of `name` that lives as long as the search: for the name of an object a model
  /// builds at run time (a checker may keep a name from one run to the next).
  const char* keep_name(const std::string& name) { return x_->keep_name(name); }
  void yield(Loc loc = Loc::here()) { x_->yield(loc); }
  template <class Rep, class Period>
  void sleep_for(std::chrono::duration<Rep, Period> d, Loc loc = Loc::here()) {
    x_->sleep(sim::to_nanos(d), loc);
  }
  /// Records a violated invariant; the thread goes on and the run is reported as failing.
  void check(bool holds, const char* message, Loc loc = Loc::here()) {
    x_->check(holds, message, loc);
  }
  /// A false assumption discards the run (it is "blocked", not a bug).
  void assume(bool holds) { x_->assume(holds); }
  /// A value in [0, bound), chosen by the strategy (so replays reproduce it).
  uint64_t random(uint64_t bound) { return x_->random(bound); }
  /// A labelled value for reports and timing (a heartbeat, a result); not a scheduling point.
  void note(const char* label, int64_t value, Loc loc = Loc::here()) {
    x_->note(label, value, loc);
  }
  /// Thread-local work that takes time but touches nothing shared (timed runs charge it).
  void work(uint64_t units) { x_->work(units); }
  /// False once a looping model should stop (timed and native runs); always true when untimed.
  bool running() const { return x_->running(); }
  /// Seconds since the run started (virtual time; 0 in untimed exploration).
  double now() const { return static_cast<double>(x_->now_ns()) * 1e-9; }

 private:
  Execution* x_;
};

}  // namespace interleave
