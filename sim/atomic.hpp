// Simulated atomics: sequentially consistent; every operation is a scheduling point.
#pragma once

#include "sim/execution.hpp"
#include "sim/value.hpp"

namespace interleave::sim {

template <class T>
class Atomic {
 public:
  /// `index` >= 0 names one of several: "a[2]".
  Atomic(Execution& x, const char* name, T initial = T{}, int32_t index = -1)
      : x_(&x), id_(x.add_object(ObjectKind::kLocation, name, index)), value_(initial) {}

  T load(Loc loc = Loc::here()) const {
    x_->point(PendingOp{Op::kAtomicLoad, id_}, loc);
    const T v = value_;
    x_->emit(Op::kAtomicLoad, id_, event_value(v), loc);
    return v;
  }
  void store(T v, Loc loc = Loc::here()) {
    x_->point(PendingOp{Op::kAtomicStore, id_}, loc);
    value_ = v;
    x_->emit(Op::kAtomicStore, id_, event_value(v), loc);
  }
  T exchange(T v, Loc loc = Loc::here()) {
    x_->point(PendingOp{Op::kExchange, id_}, loc);
    const T old = value_;
    value_ = v;
    x_->emit(Op::kExchange, id_, event_value(v), loc);
    return old;
  }
  /// Strong compare-exchange. A failure is a read (it writes nothing), which matters for DPOR.
  bool compare_exchange(T& expected, T desired, Loc loc = Loc::here()) {
    x_->point(PendingOp{Op::kCasOk, id_}, loc);
    if (value_ == expected) {
      value_ = desired;
      x_->emit(Op::kCasOk, id_, event_value(desired), loc);
      return true;
    }
    expected = value_;
    x_->emit(Op::kCasFail, id_, event_value(value_), loc);
    return false;
  }
  /// As std::atomic's: the same strong compare-exchange.
  bool compare_exchange_strong(T& expected, T desired, Loc loc = Loc::here()) {
    return compare_exchange(expected, desired, loc);
  }
  T fetch_add(T delta, Loc loc = Loc::here()) {
    x_->point(PendingOp{Op::kFetchAdd, id_}, loc);
    const T old = value_;
    value_ = static_cast<T>(old + delta);
    x_->emit(Op::kFetchAdd, id_, event_value(value_), loc);
    return old;
  }
  /// One read-modify-write, as fetch_add (the same operation to the checker and to DPOR).
  T fetch_sub(T delta, Loc loc = Loc::here()) {
    x_->point(PendingOp{Op::kFetchAdd, id_}, loc);
    const T old = value_;
    value_ = static_cast<T>(old - delta);
    x_->emit(Op::kFetchAdd, id_, event_value(value_), loc);
    return old;
  }

 private:
  Execution* x_;
  ObjectId id_;
  T value_;
};

}  // namespace interleave::sim
