#include <gtest/gtest.h>
#include "models/bind.hpp"
#include "models/counter_heartbeat.hpp"
#include "sim/random_strategy.hpp"
namespace interleave {
TEST(Smoke, NaiveFindsInvariant) {
  CounterHeartbeatConfig c;
  auto model = simulated([c](auto& env) { counter_heartbeat(env, c); });
  RandomStrategy s(1);
  ExploreOptions o;
  auto r = explore(model, s, o);
  ASSERT_FALSE(r.bugs.empty());
}
}  // namespace interleave
