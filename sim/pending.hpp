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

/// A task's await, which gives its loop back when announced and takes it again when it runs:
/// EventLoop::yield_now (kAwait) or EventLoop::sleep_for (a sleep that names the loop).
constexpr bool gives_loop_back(const PendingOp& op) {
  return op.op == Op::kAwait || (op.op == Op::kSleep && op.object != kNoObject);
}

/// Touches no shared object, so it commutes with every other step: sleep (but a task's await of
/// its loop, which names the loop) and yield, spawn and join.
constexpr bool is_invisible(const PendingOp& op) {
  switch (op.op) {
    case Op::kSleep:
      return op.object == kNoObject;
    case Op::kYield:
    case Op::kSpawn:
    case Op::kJoin:
      return true;
    default:
      return false;
  }
}

}  // namespace interleave
