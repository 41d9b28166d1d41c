// Condition variables done wrong and right: a notify before the wait is lost (deadlock); an `if`
// around the wait lets a woken consumer take an item another consumer already took.
#pragma once

#include <cstdint>

#include "models/std_env.hpp"

namespace interleave {

enum class WakeupVariant { kNotifyFirst, kIfWait, kCorrect };

template <class Env>
void wakeup(Env& env, WakeupVariant v) {
  Mutex<Env> m(env, "m");
  CondVar<Env> cv(env, "cv");
  Shared<Env, int64_t> items(env, "items", 0);

  if (v == WakeupVariant::kNotifyFirst) {
    // The consumer waits for "the" notification without looking at any state first.
    auto consumer = env.spawn("consumer", [&] {
      m.lock();
      cv.wait(m);
      items.store(items.load() - 1);
      m.unlock();
    });
    m.lock();
    items.store(items.load() + 1);
    cv.notify_one();
    m.unlock();
    consumer.join();
    return;
  }

  auto consume = [&] {
    m.lock();
    if (v == WakeupVariant::kIfWait) {
      if (items.load() == 0) cv.wait(m);
    } else {
      while (items.load() == 0) cv.wait(m);
    }
    const int64_t left = items.load() - 1;
    env.check(left >= 0, "a consumer only takes an item that is there");
    items.store(left);
    m.unlock();
  };
  auto c1 = env.spawn("consumer_1", consume);
  auto c2 = env.spawn("consumer_2", consume);
  for (int i = 0; i < 2; ++i) {
    m.lock();
    items.store(items.load() + 1);
    cv.notify_one();
    m.unlock();
  }
  c1.join();
  c2.join();
}

}  // namespace interleave
