// A small, fast, seedable generator (SplitMix64): reproducible across platforms and compilers.
#pragma once

#include <cstdint>

namespace interleave {

__extension__ typedef unsigned __int128 Uint128;  // multiply-shift needs 128-bit products

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : state_(seed) {}
  void seed(uint64_t seed) { state_ = seed; }
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, bound), bound >= 1 (multiply-shift; no division on the hot path).
  uint64_t below(uint64_t bound) {
    return static_cast<uint64_t>((static_cast<Uint128>(next()) * bound) >> 64);
  }
  /// A seed for sub-stream `index` of `seed`, so execution i never depends on executions < i.
  static uint64_t derive(uint64_t seed, uint64_t index) {
    Rng r(seed ^ (index * 0xd1b54a32d192ed03ULL));
    r.next();
    return r.next();
  }

 private:
  uint64_t state_;
};

}  // namespace interleave
