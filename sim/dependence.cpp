// The dependence relation between executed steps.
#include "sim/dependence.hpp"

namespace interleave {
namespace {

bool takes(AccessKind k) {
  return k == AccessKind::kLock || k == AccessKind::kTryLock;
}

}  // namespace

void StepEvent::compute_accesses() {
  access_count = 0;
  auto add = [this](ObjectId object, AccessKind kind) {
    accesses[access_count++] = StepAccess{object, kind};
  };
  const ObjectId obj = pending.object;
  switch (op) {
    case Op::kLoad:
    case Op::kAtomicLoad:
    case Op::kCasFail:
      add(obj, AccessKind::kRead);
      break;
    case Op::kStore:
    case Op::kAtomicStore:
    case Op::kExchange:
    case Op::kCasOk:
    case Op::kFetchAdd:
      add(obj, AccessKind::kWrite);
      break;
    case Op::kLock:
      add(obj, pending.op == Op::kTryLockFail ? AccessKind::kTryLock : AccessKind::kLock);
      break;
    case Op::kTryLockFail:
      add(obj, AccessKind::kTryFail);
      break;
    case Op::kUnlock:
      add(obj, AccessKind::kUnlock);
      break;
    case Op::kWait:
      add(pending.aux, AccessKind::kUnlock);
      add(obj, AccessKind::kCvWait);
      break;
    case Op::kWake:
      // Re-acquiring the mutex is a lock, and it takes a wake-up another waiter of the variable
      // could take (whatever mutex that one waits with). Being woken is ordered after the first
      // notify that could wake this waiter (the search adds that edge), not in conflict with it.
      add(pending.aux, AccessKind::kLock);
      add(obj, AccessKind::kCvWake);
      break;
    case Op::kNotifyOne:
    case Op::kNotifyAll:
      add(obj, AccessKind::kCvNotify);
      break;
    default:
      break;  // spawn, join, sleep, yield, await: no shared object
  }
  if (loop != kNoObject) add(loop, AccessKind::kLock);
}

bool dependent(const StepEvent& a, const StepEvent& b) {
  for (uint8_t i = 0; i < a.access_count; ++i) {
    for (uint8_t j = 0; j < b.access_count; ++j) {
      if (a.accesses[i].object == b.accesses[j].object &&
          conflicting(a.accesses[i].kind, b.accesses[j].kind)) {
        return true;
      }
    }
  }
  return false;
}

bool touches(const StepEvent& step, ObjectId object) {
  for (uint8_t i = 0; i < step.access_count; ++i) {
    if (step.accesses[i].object == object) return true;
  }
  return false;
}

bool unlocks(const StepEvent& step, ObjectId lock) {
  for (uint8_t i = 0; i < step.access_count; ++i) {
    if (step.accesses[i].kind == AccessKind::kUnlock && step.accesses[i].object == lock)
      return true;
  }
  return false;
}

ObjectId released_to(const StepEvent& earlier, const StepEvent& later) {
  for (uint8_t i = 0; i < earlier.access_count; ++i) {
    if (earlier.accesses[i].kind != AccessKind::kUnlock) continue;
    for (uint8_t j = 0; j < later.access_count; ++j) {
      if (takes(later.accesses[j].kind) && later.accesses[j].object == earlier.accesses[i].object) {
        return earlier.accesses[i].object;
      }
    }
  }
  return kNoObject;
}

bool releases_to(const StepEvent& earlier, const StepEvent& later) {
  return released_to(earlier, later) != kNoObject;
}

bool takes_lock(const StepEvent& step, ObjectId lock) {
  for (uint8_t i = 0; i < step.access_count; ++i) {
    if (takes(step.accesses[i].kind) && step.accesses[i].object == lock) return true;
  }
  return false;
}

bool lock_pair(const StepEvent& a, const StepEvent& b, ObjectId* lock) {
  for (uint8_t i = 0; i < a.access_count; ++i) {
    if (!takes(a.accesses[i].kind)) continue;
    for (uint8_t j = 0; j < b.access_count; ++j) {
      if (takes(b.accesses[j].kind) && b.accesses[j].object == a.accesses[i].object) {
        if (lock != nullptr) *lock = a.accesses[i].object;
        return true;
      }
    }
  }
  return false;
}

}  // namespace interleave
