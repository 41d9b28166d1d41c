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

namespace {

struct OrderName {
  std::memory_order order;
  std::string_view name;
};
constexpr std::array<OrderName, 6> kOrderNames{{
    {std::memory_order_relaxed, "relaxed"},
    {std::memory_order_consume, "consume"},
    {std::memory_order_acquire, "acquire"},
    {std::memory_order_release, "release"},
    {std::memory_order_acq_rel, "acq_rel"},
    {std::memory_order_seq_cst, "seq_cst"},
}};

}  // namespace

std::string_view order_name(std::memory_order order) {
  for (const OrderName& o : kOrderNames) {
    if (o.order == order) return o.name;
  }
  return "seq_cst";
}

std::optional<std::memory_order> order_from_name(std::string_view name) {
  for (const OrderName& o : kOrderNames) {
    if (o.name == name) return o.order;
  }
  return std::nullopt;
}

}  // namespace interleave
