// Text for reports: object labels, source locations, clocks. Cold code, kept out of the hot path.
// A namespace of its own, so the checker links nothing of the simulator; the few header-only
// helpers of sim/event.hpp are shared.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checker/vector_clock.hpp"
#include "sim/event.hpp"
#include "sim/loc.hpp"

namespace interleave::text {

/// "values[1]" for element 1 of "values", "flag" for a scalar, "?" when unnamed.
std::string object_label(const char* name, int32_t index);
/// "file:line", or "?" when the location is unknown.
std::string loc_text(Loc loc);
/// True when both name the same file and line (file names compared by content).
bool same_loc(Loc a, Loc b);
/// Strict weak order on locations by (file, line), for signatures that ignore event order.
bool loc_less(Loc a, Loc b);
/// The operation's lower-case name ("load", "store", ...) without linking the simulator.
const char* access_name(Op op);
/// "[main:4 counter:6 heartbeat:0]": one entry per named thread, in thread order.
std::string clock_text(const uint32_t* clocks, std::size_t size,
                       const std::vector<std::string>& thread_names);
/// `'name'` for a thread, or `'thread N'` when the thread has no name.
std::string thread_text(ThreadId thread, const std::vector<std::string>& thread_names);

}  // namespace interleave::text
