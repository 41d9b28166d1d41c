// The counter/heartbeat program (threads vs asyncio), written once for both environments.
// Step structure exactly as ../DESIGN.md ("The counter/heartbeat model") specifies.
#pragma once

#include <chrono>
#include <cstdint>

#include "models/std_env.hpp"

namespace interleave {

enum class CounterVariant { kNaive, kLocked, kLockedYield, kCooperative };

struct CounterHeartbeatConfig {
  CounterVariant variant = CounterVariant::kNaive;
  uint32_t size = 3;      // array length
  uint64_t rounds = 2;    // counter passes; 0: until the run's duration ends
  uint64_t beats = 2;     // heartbeat checks; 0: until the run's duration ends
  double period_s = 1.0;  // heartbeat sleep
};

template <class Env>
void counter_heartbeat(Env& env, const CounterHeartbeatConfig& c) {
  SharedArray<Env, int64_t> values(env, "values", c.size);
  for (uint32_t i = 0; i < c.size; ++i) values[i].store(0);

  auto more = [&env](uint64_t done, uint64_t limit) {
    return (limit == 0 || done < limit) && env.running();
  };
  auto count_pass = [&] {
    for (uint32_t i = 0; i < c.size; ++i) {
      const int64_t v = values[i].load();
      values[i].store(v + 1);
    }
  };
  auto check_all = [&] {
    const int64_t v0 = values[0].load();
    for (uint32_t i = 1; i < c.size; ++i) {
      env.check(values[i].load() == v0, "all values are equal");
    }
    return v0;
  };
  const auto period = std::chrono::duration<double>(c.period_s);

  if (c.variant == CounterVariant::kCooperative) {
    // asyncio: both tasks on one loop; only the awaits let the other task run.
    EventLoop<Env> loop(env, "loop");
    loop.spawn("counter", [&] {
      for (uint64_t r = 0; more(r, c.rounds); ++r) {
        loop.yield_now();  // await asyncio.sleep(0)
        count_pass();
      }
    });
    loop.spawn("heartbeat", [&] {
      for (uint64_t b = 0; more(b, c.beats); ++b) {
        loop.sleep_for(period);  // await asyncio.sleep(period)
        env.note("heartbeat", check_all());
      }
    });
    loop.run();
    return;
  }

  Mutex<Env> lock(env, "lock");
  const bool locked = c.variant != CounterVariant::kNaive;
  auto counter = env.spawn("counter", [&] {
    for (uint64_t r = 0; more(r, c.rounds); ++r) {
      if (c.variant == CounterVariant::kLockedYield) env.yield();  // time.sleep(0)
      if (locked) lock.lock();
      count_pass();
      if (locked) lock.unlock();
    }
  });
  auto heartbeat = env.spawn("heartbeat", [&] {
    for (uint64_t b = 0; more(b, c.beats); ++b) {
      env.sleep_for(period);
      if (locked) lock.lock();
      const int64_t v0 = check_all();
      if (locked) lock.unlock();
      env.note("heartbeat", v0);
    }
  });
  counter.join();
  heartbeat.join();
}

}  // namespace interleave
