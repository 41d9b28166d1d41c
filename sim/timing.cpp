// Names of policies and mutex fairness, for the command line and traces.
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

}  // namespace interleave
