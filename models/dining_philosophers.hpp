// Dining philosophers: each takes two forks. Left-then-right deadlocks; a global order does not.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "models/std_env.hpp"

namespace interleave {

struct PhilosophersConfig {
  uint32_t seats = 3;
  uint32_t meals = 1;
  bool ordered = false;  // take the lower-numbered fork first (breaks the cycle)
};

template <class Env>
void dining_philosophers(Env& env, const PhilosophersConfig& c) {
  std::deque<Mutex<Env>> forks;  // deque: mutexes neither copy nor move
  for (uint32_t i = 0; i < c.seats; ++i) forks.emplace_back(env, "fork", static_cast<int32_t>(i));
  SharedArray<Env, int64_t> eaten(env, "eaten", c.seats);
  std::vector<typename Env::Thread> philosophers;
  for (uint32_t p = 0; p < c.seats; ++p) {
    philosophers.push_back(env.spawn("philosopher " + std::to_string(p), [&, p] {
      const uint32_t left = p;
      const uint32_t right = (p + 1) % c.seats;
      const uint32_t first = c.ordered ? std::min(left, right) : left;
      const uint32_t second = c.ordered ? std::max(left, right) : right;
      for (uint32_t m = 0; m < c.meals; ++m) {
        forks[first].lock();
        forks[second].lock();
        eaten[p].store(eaten[p].load() + 1);
        forks[second].unlock();
        forks[first].unlock();
      }
    }));
  }
  for (auto& t : philosophers) t.join();
}

}  // namespace interleave
