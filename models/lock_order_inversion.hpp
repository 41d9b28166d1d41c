// Two mutexes taken in opposite orders by two threads. The second thread does some work first,
// so most schedules complete; the inversion is a bug in every run all the same.
#pragma once

#include <cstdint>

#include "models/std_env.hpp"

namespace interleave {

struct LockOrderConfig {
  bool inverted = true;
  uint32_t work = 4;  // stores the second thread makes before it takes any lock
};

template <class Env>
void lock_order_inversion(Env& env, const LockOrderConfig& c) {
  Mutex<Env> accounts(env, "accounts");
  Mutex<Env> journal(env, "journal");
  Shared<Env, int64_t> entries(env, "entries", 0);
  Shared<Env, int64_t> scratch(env, "scratch", 0);
  auto poster = env.spawn("poster", [&] {
    accounts.lock();
    journal.lock();
    entries.store(entries.load() + 1);
    journal.unlock();
    accounts.unlock();
  });
  auto auditor = env.spawn("auditor", [&] {
    for (uint32_t i = 0; i < c.work; ++i) scratch.store(i);
    Mutex<Env>& first = c.inverted ? journal : accounts;
    Mutex<Env>& second = c.inverted ? accounts : journal;
    first.lock();
    second.lock();
    entries.store(entries.load() + 1);
    second.unlock();
    first.unlock();
  });
  poster.join();
  auditor.join();
  env.check(entries.load() == 2, "both entries posted");
}

}  // namespace interleave
