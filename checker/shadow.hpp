// Shadow state of one plain memory location: FastTrack's last write and last read(s).
#pragma once

#include <cstdint>
#include <vector>

#include "checker/vector_clock.hpp"
#include "sim/event.hpp"

namespace interleave {

/// One access, as much as a report needs: its epoch, where, when, what value.
struct Access {
  Loc loc{};
  uint64_t step = 0;
  int64_t value = 0;
  ThreadId thread{0};
  uint32_t clock = 0;     // with `thread`, the access's epoch; 0 = no access
  uint32_t snapshot = 0;  // offset of the thread's clock snapshot in force at the access
  Op op = Op::kLoad;

  Epoch epoch() const { return Epoch{thread, clock}; }
};

inline constexpr uint32_t kNoReadSet = 0xffffffffu;

/// Reads that are concurrent with each other: FastTrack's read vector clock, kept as each
/// reader's last read (its epoch is the clock entry; the rest explains a report).
struct ReadSet {
  std::vector<Access> reads;  // index = thread; clock 0 = no read by that thread
};

/// FastTrack shadow word of one location.
struct Shadow {
  Access write;  // the last write (clock 0: none yet)
  Access read;   // the last read while reads are totally ordered (clock 0: none)
  // invariant: when `shared`, `read_set` indexes the ReadSet that replaces `read`.
  uint32_t read_set = kNoReadSet;
  bool shared = false;
};

}  // namespace interleave
