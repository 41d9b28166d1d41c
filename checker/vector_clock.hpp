// Vector clocks and epochs: the happens-before arithmetic of the race detector.
// Ground rules (TSan vocabulary): a thread's clock `acquire`s a sync object's clock (join into the
// thread), and `release`s into it (join into the sync object) or `release_store`s (overwrite).
// Clocks are indexed by thread and grow on demand; missing entries read as 0 ("knows nothing").
// `clear()` keeps capacity so that a run reuses the storage of the previous one.
#pragma once

#include <cstdint>
#include <vector>

#include "checker/undo_log.hpp"
#include "sim/ids.hpp"

namespace interleave {

/// One thread's logical time: "the `clock`-th epoch of `thread`". Clock 0 is before everything,
/// so the default epoch is known to every clock.
struct Epoch {
  ThreadId thread{0};
  uint32_t clock = 0;

  friend bool operator==(const Epoch&, const Epoch&) = default;
};

/// A map thread -> clock, stored densely by thread index.
class VectorClock {
 public:
  /// The entry of `t` (0 when never set).
  uint32_t get(ThreadId t) const {
    const uint32_t i = to_index(t);
    return i < clocks_.size() ? clocks_[i] : 0;
  }
  /// Sets the entry of `t`, growing the clock if needed.
  void set(ThreadId t, uint32_t clock) {
    grow(to_index(t) + 1);
    clocks_[to_index(t)] = clock;
  }
  /// Advances `t`'s own entry: what `t` does next is not covered by what it released before.
  void tick(ThreadId t) { set(t, get(t) + 1); }

  /// The epoch of `t` in this clock.
  Epoch epoch(ThreadId t) const { return Epoch{t, get(t)}; }
  /// True when the event at `e` happens before (or is) the point this clock describes.
  bool knows(Epoch e) const { return e.clock <= get(e.thread); }

  /// this := this ⊔ sync (pointwise max). Returns true when any entry grew.
  bool acquire(const VectorClock& sync) {
    const std::size_t n = sync.clocks_.size();
    grow(n);
    bool changed = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (sync.clocks_[i] > clocks_[i]) {
        clocks_[i] = sync.clocks_[i];
        changed = true;
      }
    }
    return changed;
  }
  /// sync := sync ⊔ this (a release that keeps what earlier releases published).
  void release(VectorClock& sync) const { sync.acquire(*this); }
  /// sync := this (a release that replaces what the sync object held, e.g. a mutex unlock).
  void release_store(VectorClock& sync) const {
    sync.clocks_.assign(clocks_.begin(), clocks_.end());
  }

  /// True when every entry of this is <= the same entry of `other`.
  bool leq(const VectorClock& other) const {
    for (std::size_t i = 0; i < clocks_.size(); ++i) {
      if (clocks_[i] > other.get(ThreadId{static_cast<uint32_t>(i)})) return false;
    }
    return true;
  }

  /// Number of stored entries (threads beyond it read as 0).
  std::size_t size() const { return clocks_.size(); }
  /// Raw entries, index = thread index.
  const uint32_t* data() const { return clocks_.data(); }
  /// Forgets every entry, keeping the storage.
  void clear() { clocks_.clear(); }
  /// Saves the clock in `log` before it changes.
  void save_to(UndoLog& log) { log.save_all(clocks_); }

 private:
  void grow(std::size_t n) {
    if (clocks_.size() < n) clocks_.resize(n, 0);
  }

  std::vector<uint32_t> clocks_;
};

}  // namespace interleave
