// A search's result as one string, to compare two searches that must find exactly the same.
#pragma once

#include <string>

#include "sim/runner.hpp"

namespace interleave {

/// Counts, completeness and every bug: its message, key, steps, first execution, count,
/// schedule length and details.
inline std::string search_summary(const ExploreResult& r) {
  std::string out = std::to_string(r.executions) + " executions, " + std::to_string(r.blocked) +
                    " blocked, " + std::to_string(r.total_steps) + " steps, complete " +
                    std::to_string(r.complete) + "\n";
  for (const BugRecord& b : r.bugs) {
    out += b.finding.message + " | " + b.finding.key() + " @" + std::to_string(b.finding.step) +
           "/" + std::to_string(b.finding.other_step) + " first " + std::to_string(b.execution) +
           " count " + std::to_string(b.count) + " schedule " + std::to_string(b.schedule.size());
    for (const std::string& d : b.finding.details) out += "\n  " + d;
    out += "\n";
  }
  return out;
}

}  // namespace interleave
