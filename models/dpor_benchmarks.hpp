// The classic DPOR benchmarks, sized by n (ORACLES.md gives their Mazurkiewicz trace counts).
// Their shared memory is atomic: they measure exploration, and atomics keep them free of data
// races (the counting rules depend only on which locations are read and written).
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "models/std_env.hpp"

namespace interleave {

/// lastzero(n): a[0..n] = 0; thread 0 scans down from a[n] to the first zero; thread j (1..n)
/// sets a[j] = a[j-1] + 1.
template <class Env>
void lastzero(Env& env, uint32_t n) {
  std::deque<Atomic<Env, int64_t>> a;  // deque: atomics neither copy nor move
  for (uint32_t i = 0; i <= n; ++i) a.emplace_back(env, "a", 0, static_cast<int32_t>(i));
  std::vector<typename Env::Thread> threads;
  threads.push_back(env.spawn("scanner", [&] {
    for (uint32_t i = n; a[i].load() != 0; --i) {
    }
  }));
  for (uint32_t j = 1; j <= n; ++j) {
    threads.push_back(env.spawn("writer", [&, j] { a[j].store(a[j - 1].load() + 1); }));
  }
  for (auto& t : threads) t.join();
}

/// readers(n): thread 0 writes x; threads 1..n read it.
template <class Env>
void readers(Env& env, uint32_t n) {
  Atomic<Env, int64_t> x(env, "x", 0);
  std::vector<typename Env::Thread> threads;
  threads.push_back(env.spawn("writer", [&] { x.store(42); }));
  for (uint32_t j = 1; j <= n; ++j) {
    threads.push_back(env.spawn("reader", [&] { (void)x.load(); }));
  }
  for (auto& t : threads) t.join();
}

/// ainc(n): n threads each fetch_add(x, 1).
template <class Env>
void ainc(Env& env, uint32_t n) {
  Atomic<Env, int64_t> x(env, "x", 0);
  std::vector<typename Env::Thread> threads;
  for (uint32_t j = 0; j < n; ++j) threads.push_back(env.spawn("adder", [&] { x.fetch_add(1); }));
  for (auto& t : threads) t.join();
  env.check(x.load() == n, "no increment is lost");
}

/// cas(n): thread i tries compare_exchange(x, 0, i+1); exactly one succeeds.
template <class Env>
void cas(Env& env, uint32_t n) {
  Atomic<Env, int64_t> x(env, "x", 0);
  std::vector<typename Env::Thread> threads;
  for (uint32_t j = 0; j < n; ++j) {
    threads.push_back(env.spawn("claimer", [&, j] {
      int64_t expected = 0;
      x.compare_exchange(expected, j + 1);
    }));
  }
  for (auto& t : threads) t.join();
  env.check(x.load() != 0, "one claim succeeds");
}

/// lockinc(n): thread i increments x under one mutex.
template <class Env>
void lockinc(Env& env, uint32_t n) {
  Shared<Env, int64_t> x(env, "x", 0);
  Mutex<Env> m(env, "m");
  std::vector<typename Env::Thread> threads;
  for (uint32_t j = 0; j < n; ++j) {
    threads.push_back(env.spawn("incrementer", [&] {
      m.lock();
      const int64_t r = x.load();
      x.store(r + 1);
      m.unlock();
    }));
  }
  for (auto& t : threads) t.join();
  env.check(x.load() == n, "no increment is lost");
}

}  // namespace interleave
