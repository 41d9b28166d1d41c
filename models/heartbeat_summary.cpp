// Heartbeat statistics: mean interval, jitter (standard deviation) and drift.
#include "models/heartbeat_summary.hpp"

#include <cmath>
#include <cstdio>

namespace interleave {

HeartbeatSummary summarize_heartbeats(const std::vector<double>& times, double period_s,
                                      uint64_t violations) {
  HeartbeatSummary s;
  s.heartbeats = times.size();
  s.violations = violations;
  if (times.empty()) return s;
  double previous = 0;
  double sum = 0;
  std::vector<double> intervals;
  for (double t : times) {
    intervals.push_back(t - previous);
    sum += t - previous;
    previous = t;
  }
  s.mean_interval_s = sum / static_cast<double>(intervals.size());
  double squares = 0;
  for (double i : intervals) squares += (i - s.mean_interval_s) * (i - s.mean_interval_s);
  s.jitter_s = std::sqrt(squares / static_cast<double>(intervals.size()));
  s.drift_s = times.back() - static_cast<double>(times.size()) * period_s;
  return s;
}

std::string format_summary(const HeartbeatSummary& s) {
  char line[200];
  std::snprintf(line, sizeof line,
                "heartbeats %llu, mean interval %.3f s, jitter %.3f s, drift %+.2f s, "
                "%llu saw unequal values",
                static_cast<unsigned long long>(s.heartbeats), s.mean_interval_s, s.jitter_s,
                s.drift_s, static_cast<unsigned long long>(s.violations));
  return line;
}

}  // namespace interleave
