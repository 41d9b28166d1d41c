// The heartbeat summary printed by timed simulation and native runs, so they compare side by side.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace interleave {

struct HeartbeatSummary {
  uint64_t heartbeats = 0;
  double mean_interval_s = 0;  // between consecutive beats, the first measured from the start
  double jitter_s = 0;         // standard deviation of those intervals
  double drift_s = 0;          // last beat's time minus heartbeats x period
  uint64_t violations = 0;     // heartbeats whose check failed
};

/// `times`: each heartbeat's time in seconds since the start, ascending.
HeartbeatSummary summarize_heartbeats(const std::vector<double>& times, double period_s,
                                      uint64_t violations);

/// "heartbeats 10, mean interval 1.026 s, jitter 0.002 s, drift +0.26 s, 0 saw unequal values"
std::string format_summary(const HeartbeatSummary& s);

/// After a heartbeat's line ("All values are 85 at +1.03 s"), when a check failed during it.
inline constexpr const char* kUnequalBeat = "   <- but they were not all equal: a check failed";
/// After a heartbeat's line, when it came after the run's duration.
inline constexpr const char* kLateBeat =
    "   (after the duration: it was under way; not in the summary)";

}  // namespace interleave
