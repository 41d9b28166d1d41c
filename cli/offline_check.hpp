// Judging a saved trace from its recorded events alone (replay --check): no model code runs.
#pragma once

#include <vector>

#include "sim/finding.hpp"
#include "sim/trace.hpp"

namespace interleave::cli {

/// Feeds the trace's events to the checker and reads its failed checks; throws InputError when
/// the trace has no events to judge.
std::vector<Finding> check_offline(const Trace& trace);

}  // namespace interleave::cli
