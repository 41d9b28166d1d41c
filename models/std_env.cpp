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

EventLoop::EventLoop(StdEnv& env, const char*) : env_(&env) {}

EventLoop::~EventLoop() = default;

void EventLoop::yield_now(Loc) {
  loop_ = std::move(loop_).resume();
}

void EventLoop::wake_at(std::chrono::steady_clock::time_point when, Loc loc) {
  running_->wake = when;
  yield_now(loc);
}

void EventLoop::run(Loc) {
  using Clock = std::chrono::steady_clock;
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
    running_ = pick;
    pick->fiber = std::move(pick->fiber).resume();
    running_ = nullptr;
  }
  tasks_.clear();
}

}  // namespace native
}  // namespace interleave
