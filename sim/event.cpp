// Names of operations, shared by timelines and the trace format.
#include "sim/event.hpp"

#include <array>

namespace interleave {
namespace {

constexpr std::array<std::string_view, kOpCount> kNames = {
    "load",     "store",      "atomic_load", "atomic_store",  "exchange", "cas_ok",
    "cas_fail", "fetch_add",  "lock",        "try_lock_fail", "unlock",   "wait",
    "wake",     "notify_one", "notify_all",  "spawn",         "join",     "sleep",
    "yield",    "await",      "check",       "finish",        "note"};

}  // namespace

std::string_view op_name(Op op) {
  return kNames[static_cast<size_t>(op)];
}

std::optional<Op> op_from_name(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Op>(i);
  }
  return std::nullopt;
}

}  // namespace interleave
