// StdEnv pieces that need no template: the native event loop and random values.
#include "models/std_env.hpp"

#include <random>
#include <thread>

namespace interleave {

uint64_t StdEnv::random(uint64_t bound) {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  if (bound <= 1) return 0;
  return std::uniform_int_distribution<uint64_t>(0, bound - 1)(gen);
}

namespace native {

EventLoop::EventLoop(StdEnv& env, const char*) : env_(&env) {
  fiber_sanitizer::adopt_current(san_);
}

EventLoop::~EventLoop() {
  // Only a loop that never ran (or stopped early) has tasks left: end them before their stacks go.
  cancelled_ = true;
  fiber_sanitizer::adopt_current(san_);
  for (const auto& t : tasks_) {
    if (t->done || !t->fiber) continue;
    if (!t->started) {
      resume(t.get());  // it ends at once
    } else {
      fiber_sanitizer::destroy(&san_, t->san, std::move(t->fiber));  // unwinds its stack
    }
  }
}

void EventLoop::yield_now(Loc) {
  fiber_sanitizer::Switch annotate(running_->san.get(), &san_, &san_);
  loop_ = std::move(loop_).resume();
  annotate.landed(&san_);
}

void EventLoop::resume(Task* t) {
  running_ = t;
  fiber_sanitizer::announce(&san_, t->san.get());
  t->fiber = std::move(t->fiber).resume();
  running_ = nullptr;
  if (t->done) {
    fiber_sanitizer::after_last_jump(&san_, t->san);
  } else {
    fiber_sanitizer::land(&san_, nullptr);
  }
}

void EventLoop::wake_at(std::chrono::steady_clock::time_point when, Loc loc) {
  running_->wake = when;
  yield_now(loc);
}

void EventLoop::run(Loc) {
  using Clock = std::chrono::steady_clock;
  fiber_sanitizer::adopt_current(san_);
  std::size_t next = 0;
  for (;;) {
    const auto now = Clock::now();
    const std::size_t n = tasks_.size();
    Task* pick = nullptr;
    bool unfinished = false;
    auto earliest = Clock::time_point::max();
    for (std::size_t k = 0; k < n && pick == nullptr; ++k) {
      Task* t = tasks_[(next + k) % n].get();
      if (t->done) continue;
      unfinished = true;
      if (t->wake <= now) {
        pick = t;
        next = (next + k + 1) % n;
      } else {
        earliest = std::min(earliest, t->wake);
      }
    }
    if (!unfinished) break;
    if (pick == nullptr) {
      std::this_thread::sleep_until(earliest);
      continue;
    }
    resume(pick);
  }
  tasks_.clear();
}

}  // namespace native
}  // namespace interleave
