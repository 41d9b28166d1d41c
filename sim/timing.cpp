// Names of policies and mutex fairness, and the checks of a timing, for the command line and
// traces.
#include "sim/timing.hpp"

namespace interleave {

std::string_view policy_name(Policy p) {
  switch (p) {
    case Policy::kPreemptive:
      return "preemptive";
    case Policy::kGil:
      return "gil";
    case Policy::kCooperative:
      return "cooperative";
  }
  return "?";
}

std::optional<Policy> policy_from_name(std::string_view name) {
  for (Policy p : {Policy::kPreemptive, Policy::kGil, Policy::kCooperative}) {
    if (policy_name(p) == name) return p;
  }
  return std::nullopt;
}

std::string_view fairness_name(Fairness f) {
  return f == Fairness::kFifo ? "fifo" : "barging";
}

std::optional<Fairness> fairness_from_name(std::string_view name) {
  if (name == "barging") return Fairness::kBarging;
  if (name == "fifo") return Fairness::kFifo;
  return std::nullopt;
}

std::string timing_problem(const TimingConfig& t) {
  const auto at_least = [](const char* name, int64_t value, int64_t min) {
    return value >= min ? std::string()
                        : std::string(name) + " is " + std::to_string(value) + ", below " +
                              std::to_string(min);
  };
  for (const std::string& p :
       {at_least("op_cost_ns", t.op_cost_ns, 1), at_least("syscall_cost_ns", t.syscall_cost_ns, 0),
        at_least("work_cost_ns", t.work_cost_ns, 0),
        at_least("switch_interval_ns", t.switch_interval_ns, 1),
        at_least("wake_latency_max_ns", t.wake_latency_max_ns, 0),
        at_least("duration_ns", t.duration_ns, 1)}) {
    if (!p.empty()) return p;
  }
  if (t.duration_ns > kMaxDurationNs) {
    return "duration_ns is " + std::to_string(t.duration_ns) + ", above an hour (" +
           std::to_string(kMaxDurationNs) + ")";
  }
  return {};
}

}  // namespace interleave
