// Findings: what a run is judged to have done wrong. Pure data shared by sim, checker and CLI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace interleave {

enum class FindingKind : uint8_t {
  kDataRace,
  kInvariant,
  kDeadlock,
  kLockOrder,
  kNondeterminism,
  kStepLimit,
  kException,
};

/// The JSON / trace name ("data_race", "invariant", ...).
std::string_view kind_name(FindingKind kind);
std::optional<FindingKind> kind_from_name(std::string_view name);
/// The report headline word ("DATA RACE", "INVARIANT VIOLATED", ...).
std::string_view kind_headline(FindingKind kind);

/// One problem found in one execution.
struct Finding {
  FindingKind kind = FindingKind::kInvariant;
  /// One line: what happened, where. Stable across executions of the same bug.
  std::string message;
  /// The step at which it was detected.
  uint64_t step = 0;
  /// Distinct bugs are keyed by this (kind + source locations), never by values or steps.
  /// Empty when the message itself is stable (names only locations and threads): saves building
  /// a second string in every failing run.
  std::string signature;
  /// Further lines for the human report (both accesses, blocked threads, ...).
  std::vector<std::string> details;

  /// Another step it involves, for tools that draw the run: a data race's earlier access
  /// (`step` is the later one). kNoStep if none.
  static constexpr uint64_t kNoStep = UINT64_MAX;
  uint64_t other_step = kNoStep;

  /// What distinct bugs are told apart by.
  const std::string& key() const { return signature.empty() ? message : signature; }
};

}  // namespace interleave
