// Registry entry of counter/heartbeat: variants, params and both instantiations.
#include "models/counter_heartbeat.hpp"

#include <cstdio>

#include "models/bind.hpp"

namespace interleave {

ModelInfo counter_heartbeat_model() {
  ModelInfo m;
  m.name = "counter_heartbeat";
  m.description =
      "one thread increments every element of an array in a loop; a heartbeat thread "
      "periodically checks that all elements are equal and reports the time";
  m.variants = {
      {"naive", true, "no lock: the heartbeat sees a half-done pass (data race, check fails)"},
      {"locked", false, "one mutex around each pass and each check: correct, heartbeat starves"},
      {"locked_yield", false, "as locked, but the counter yields before taking the lock"},
      {"cooperative", false, "asyncio style: two tasks of one event loop, switching at awaits"},
  };
  m.params = {
      {"size", "array length", 3, 1, 10'000'000, true, 100'000},
      {"rounds", "counter passes (0: until the duration ends)", 2, 0, 1e9, true, 0},
      {"beats", "heartbeat checks (0: same as rounds)", 0, 0, 1e9, true, 0},
      {"period", "heartbeat sleep in seconds (timed and native runs)", 1, 0.001, 3600, false, {}},
  };
  // Its arrays are SharedArrays, everything else is on its threads' stacks.
  m.resumable = true;
  m.bind = [](const ParamValues& p) {
    CounterHeartbeatConfig c;
    const std::string& v = p.variant;
    c.variant = v == "naive"          ? CounterVariant::kNaive
                : v == "locked"       ? CounterVariant::kLocked
                : v == "locked_yield" ? CounterVariant::kLockedYield
                                      : CounterVariant::kCooperative;
    c.size = static_cast<uint32_t>(p.get("size"));
    c.rounds = static_cast<uint64_t>(p.get("rounds"));
    const auto beats = static_cast<uint64_t>(p.get("beats"));
    c.beats = beats == 0 ? c.rounds : beats;
    c.period_s = p.get("period");
    return both_environments([c](auto& env) { counter_heartbeat(env, c); });
  };
  m.format_note = [](std::string_view label, int64_t value, double seconds) -> std::string {
    if (label != "heartbeat") return {};
    char line[96];
    std::snprintf(line, sizeof line, "All values are %lld at +%.2f s",
                  static_cast<long long>(value), seconds);
    return line;
  };
  return m;
}

}  // namespace interleave
