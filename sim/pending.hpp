// A thread's next visible operation, announced before the scheduler decides who runs.
#pragma once

#include <cstdint>

#include "sim/event.hpp"
#include "sim/ids.hpp"

namespace interleave {

/// What a thread will do when it is picked. `op` uses the event vocabulary; for operations whose
/// outcome is decided when they run (compare_exchange, try_lock, wake-up) it names the attempt:
/// kCasOk for a compare_exchange, kTryLockFail for try_lock, kWake for a waiter.
struct PendingOp {
  Op op = Op::kFinish;
  ObjectId object = kNoObject;  // location, mutex, condition variable
  ObjectId aux = kNoObject;     // the mutex a waiter re-acquires
  uint32_t arg = 0;             // joined thread for kJoin
};

/// Touches no shared object, so it commutes with every other step: sleep and yield (outside an
/// event loop: a task's sleep or yield hands its loop over, and names it), spawn and join.
constexpr bool is_invisible(const PendingOp& op) {
  switch (op.op) {
    case Op::kSleep:
    case Op::kYield:
      return op.object == kNoObject;
    case Op::kSpawn:
    case Op::kJoin:
      return true;
    default:
      return false;
  }
}

}  // namespace interleave
