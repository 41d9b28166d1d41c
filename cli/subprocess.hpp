// Runs a child process with a deadline and keeps what it wrote to stderr.
#pragma once

#include <string>
#include <vector>

namespace interleave::cli {

struct ChildResult {
  int code = -1;           // exit code; 128 + signal when killed by one
  bool timed_out = false;  // killed at the deadline
  std::string err;         // everything it wrote to stderr (its stdout is discarded)
};

/// Runs `argv[0]` (a path) with `argv`, killing it after `deadline_s` seconds.
ChildResult run_child(const std::vector<std::string>& argv, double deadline_s);

/// The path of the running executable.
std::string self_executable();

}  // namespace interleave::cli
