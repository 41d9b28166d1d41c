// The dependence relation of ORACLES.md: which executed steps do not commute.
// Ground rules: two steps of different threads are dependent when they touch the same memory
// location and one writes, or take the same mutex (lock/lock; a failed try_lock against lock or
// unlock), or meet on one condition variable (wait/notify/wake), or both resume tasks of one
// event loop. An unlock is not in conflict with a later lock: it orders it (a release), which the
// search treats as happens-before rather than as a race to reverse, as the lock could not have
// run before it. A try_lock could: before the unlock it fails, so an unlock and a try_lock that
// succeeds after it are in conflict. Likewise a wake is ordered after the first notify that could
// wake it; two wakes on one condition variable are in conflict (they may take the same wake-up).
#pragma once

#include <array>
#include <cstdint>

#include "sim/event.hpp"
#include "sim/ids.hpp"
#include "sim/pending.hpp"

namespace interleave {

enum class AccessKind : uint8_t {
  kRead,
  kWrite,
  kLock,      // lock, the re-acquire of a wake, a loop task resuming
  kTryLock,   // a try_lock that took the mutex (before the unlock it would have failed)
  kUnlock,    // unlock, the release of a wait
  kTryFail,   // a try_lock that found the mutex held
  kCvWait,    // starting to wait on a condition variable
  kCvNotify,  // notify_one / notify_all
  kCvWake,    // a wake: it may take a wake-up another waiter of the variable could take
};

struct StepAccess {
  ObjectId object = kNoObject;
  AccessKind kind = AccessKind::kRead;
};

/// One executed step as the search sees it.
struct StepEvent {
  ThreadId thread{};
  Op op = Op::kYield;         // the outcome (kCasFail, kTryLockFail, ...)
  PendingOp pending;          // object, aux and arg as announced
  ObjectId loop = kNoObject;  // set when this step resumes a task of that event loop

  /// At most three accesses: e.g. a wake re-acquires its mutex and is woken on its variable.
  std::array<StepAccess, 3> accesses{};
  uint8_t access_count = 0;

  void compute_accesses();
};

/// Whether two accesses to one object conflict.
constexpr bool conflicting(AccessKind a, AccessKind b) {
  using K = AccessKind;
  switch (a) {
    case K::kRead:
      return b == K::kWrite;
    case K::kWrite:
      return b == K::kRead || b == K::kWrite;
    case K::kLock:
      return b == K::kLock || b == K::kTryLock || b == K::kTryFail;
    case K::kTryLock:
      return b == K::kLock || b == K::kTryLock || b == K::kTryFail || b == K::kUnlock;
    case K::kUnlock:
      return b == K::kTryFail || b == K::kTryLock;
    case K::kTryFail:
      return b == K::kLock || b == K::kTryLock || b == K::kUnlock;
    case K::kCvWait:
      return b == K::kCvNotify;
    case K::kCvNotify:
      return b == K::kCvWait || b == K::kCvNotify;
    case K::kCvWake:
      return b == K::kCvWake;
  }
  return false;
}

/// Whether two steps of different threads are dependent.
bool dependent(const StepEvent& a, const StepEvent& b);

/// Whether `later` acquires what `earlier` released (an unlock before a lock of the same mutex):
/// an ordering edge, not a conflict.
bool releases_to(const StepEvent& earlier, const StepEvent& later);
/// The lock `earlier` releases and `later` takes, or kNoObject.
ObjectId released_to(const StepEvent& earlier, const StepEvent& later);

/// Whether `step` takes `lock` (a lock, a try_lock that succeeds, a wake, a task resuming).
bool takes_lock(const StepEvent& step, ObjectId lock);

/// Whether both steps take the same lock (their order is a trace of its own): lock, try_lock that
/// succeeds, the re-acquire of a wake.
bool lock_pair(const StepEvent& a, const StepEvent& b, ObjectId* lock);

/// Whether `step` accesses `object` at all.
bool touches(const StepEvent& step, ObjectId object);

/// Whether `step` releases `lock` (an unlock, or the release of a wait).
bool unlocks(const StepEvent& step, ObjectId lock);

}  // namespace interleave
