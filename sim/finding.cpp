// Names of finding kinds.
#include "sim/finding.hpp"

#include <array>

namespace interleave {
namespace {

struct KindNames {
  std::string_view json;
  std::string_view headline;
};

constexpr std::array<KindNames, 7> kKinds = {{
    {"data_race", "DATA RACE"},
    {"invariant", "INVARIANT VIOLATED"},
    {"deadlock", "DEADLOCK"},
    {"lock_order", "LOCK ORDER INVERSION"},
    {"nondeterminism", "NONDETERMINISM"},
    {"step_limit", "STEP LIMIT"},
    {"exception", "EXCEPTION"},
}};

}  // namespace

std::string_view kind_name(FindingKind kind) {
  return kKinds[static_cast<size_t>(kind)].json;
}
std::string_view kind_headline(FindingKind kind) {
  return kKinds[static_cast<size_t>(kind)].headline;
}

std::optional<FindingKind> kind_from_name(std::string_view name) {
  for (size_t i = 0; i < kKinds.size(); ++i) {
    if (kKinds[i].json == name) return static_cast<FindingKind>(i);
  }
  return std::nullopt;
}

}  // namespace interleave
