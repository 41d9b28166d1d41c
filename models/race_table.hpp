// The small models every race detector must get right (ORACLES.md, "Race verdicts").
#pragma once

#include <atomic>
#include <cstdint>

#include "models/std_env.hpp"

namespace interleave {

enum class RaceRow {
  kUnsynchronized,  // two threads write x: race
  kOneMutex,        // both under one mutex: clean
  kSpawnOrders,     // parent writes, spawns child, child reads: clean
  kJoinOrders,      // child writes, parent joins, then reads: clean
  kAtomicFlag,      // data, then an atomic flag; the reader checks the flag: clean
  kPlainFlag,       // the same with a plain flag: race
  kTwoMutexes,      // each thread writes under its own mutex: race
  kReleaseAcquire,  // the atomic flag stored with release, loaded with acquire: clean
  kRelaxedFlag,     // the atomic flag stored and loaded relaxed: race
};

template <class Env>
void race_table(Env& env, RaceRow row) {
  Shared<Env, int64_t> x(env, "x", 0);
  Mutex<Env> m1(env, "m1");
  Mutex<Env> m2(env, "m2");
  switch (row) {
    case RaceRow::kUnsynchronized:
    case RaceRow::kOneMutex:
    case RaceRow::kTwoMutexes: {
      auto writer = [&](Mutex<Env>& m, int64_t v) {
        const bool lock = row != RaceRow::kUnsynchronized;
        if (lock) m.lock();
        x.store(v);
        if (lock) m.unlock();
      };
      auto a = env.spawn("writer_a", [&] { writer(m1, 1); });
      auto b = env.spawn("writer_b", [&] { writer(row == RaceRow::kTwoMutexes ? m2 : m1, 2); });
      a.join();
      b.join();
      break;
    }
    case RaceRow::kSpawnOrders: {
      x.store(1);
      auto child = env.spawn("child", [&] { env.check(x.load() == 1, "child sees the write"); });
      child.join();
      break;
    }
    case RaceRow::kJoinOrders: {
      auto child = env.spawn("child", [&] { x.store(1); });
      child.join();
      env.check(x.load() == 1, "parent sees the child's write");
      break;
    }
    case RaceRow::kAtomicFlag:
    case RaceRow::kPlainFlag:
    case RaceRow::kReleaseAcquire:
    case RaceRow::kRelaxedFlag: {
      Atomic<Env, bool> atomic_flag(env, "flag", false);
      Shared<Env, bool> plain_flag(env, "flag", false);
      const bool atomic = row != RaceRow::kPlainFlag;
      const auto store_order = row == RaceRow::kReleaseAcquire ? std::memory_order_release
                               : row == RaceRow::kRelaxedFlag  ? std::memory_order_relaxed
                                                               : std::memory_order_seq_cst;
      const auto load_order = row == RaceRow::kReleaseAcquire ? std::memory_order_acquire
                              : row == RaceRow::kRelaxedFlag  ? std::memory_order_relaxed
                                                              : std::memory_order_seq_cst;
      auto writer = env.spawn("writer", [&] {
        x.store(42);
        if (atomic) {
          atomic_flag.store(true, store_order);
        } else {
          plain_flag.store(true);
        }
      });
      auto reader = env.spawn("reader", [&] {
        const bool set = atomic ? atomic_flag.load(load_order) : plain_flag.load();
        if (set) env.check(x.load() == 42, "the flag publishes the data");
      });
      writer.join();
      reader.join();
      break;
    }
  }
}

}  // namespace interleave
