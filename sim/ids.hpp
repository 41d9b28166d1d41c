// Strong id types shared by the simulator, the checker and trace I/O.
#pragma once

#include <cstdint>

namespace interleave {

/// A model thread (or event-loop task). Thread 0 is the model's root ("main").
enum class ThreadId : uint32_t {};
/// A simulated object: one memory location, mutex, condition variable or event loop.
enum class ObjectId : uint32_t {};

inline constexpr ThreadId kNoThread{0xffffffffu};
inline constexpr ObjectId kNoObject{0xffffffffu};

constexpr uint32_t to_index(ThreadId t) {
  return static_cast<uint32_t>(t);
}
constexpr uint32_t to_index(ObjectId o) {
  return static_cast<uint32_t>(o);
}

}  // namespace interleave
