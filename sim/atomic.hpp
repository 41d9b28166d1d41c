// Simulated atomics: every operation is a scheduling point, and the interleavings explored are
// sequentially consistent whatever order an operation names. The order matters to the race
// detector: an operation acquires and releases as its std::memory_order says (a relaxed flag
// publishes nothing).
#pragma once

#include <atomic>
#include <string>

#include "sim/execution.hpp"
#include "sim/value.hpp"

namespace interleave::sim {

template <class T>
class Atomic {
 public:
  using Order = std::memory_order;
  static constexpr Order kSeqCst = std::memory_order_seq_cst;

  /// `index` >= 0 names one of several: "a[2]".
  Atomic(Execution& x, const char* name, T initial = T{}, int32_t index = -1)
      : x_(&x), id_(x.add_object(ObjectKind::kLocation, name, index)), value_(initial) {}

  T load(Order order = kSeqCst, Loc loc = Loc::here()) const {
    x_->point(PendingOp{Op::kAtomicLoad, id_}, loc);
    if (!load_order_ok(order)) order = misused("load", order, loc);
    const T v = value_;
    x_->emit(Op::kAtomicLoad, id_, event_value(v), loc, kNoObject, order);
    return v;
  }
  T load(Loc loc) const { return load(kSeqCst, loc); }
  void store(T v, Order order = kSeqCst, Loc loc = Loc::here()) {
    x_->point(PendingOp{Op::kAtomicStore, id_}, loc);
    if (!store_order_ok(order)) order = misused("store", order, loc);
    value_ = v;
    x_->emit(Op::kAtomicStore, id_, event_value(v), loc, kNoObject, order);
  }
  void store(T v, Loc loc) { store(v, kSeqCst, loc); }
  T exchange(T v, Order order = kSeqCst, Loc loc = Loc::here()) {
    x_->point(PendingOp{Op::kExchange, id_}, loc);
    const T old = value_;
    value_ = v;
    x_->emit(Op::kExchange, id_, event_value(v), loc, kNoObject, order);
    return old;
  }
  T exchange(T v, Loc loc) { return exchange(v, kSeqCst, loc); }
  /// Strong compare-exchange. A failure is a read (it writes nothing), which matters for DPOR;
  /// it reads with `failure`.
  bool compare_exchange(T& expected, T desired, Order success, Order failure,
                        Loc loc = Loc::here()) {
    x_->point(PendingOp{Op::kCasOk, id_}, loc);
    if (!load_order_ok(failure)) failure = misused("compare_exchange failure", failure, loc);
    if (value_ == expected) {
      value_ = desired;
      x_->emit(Op::kCasOk, id_, event_value(desired), loc, kNoObject, success);
      return true;
    }
    expected = value_;
    x_->emit(Op::kCasFail, id_, event_value(value_), loc, kNoObject, failure);
    return false;
  }
  /// With one order, a failure reads with the order std::atomic derives from it.
  bool compare_exchange(T& expected, T desired, Order order = kSeqCst, Loc loc = Loc::here()) {
    return compare_exchange(expected, desired, order, failure_order(order), loc);
  }
  bool compare_exchange(T& expected, T desired, Loc loc) {
    return compare_exchange(expected, desired, kSeqCst, loc);
  }
  /// As std::atomic's: the same strong compare-exchange.
  bool compare_exchange_strong(T& expected, T desired, Order success, Order failure,
                               Loc loc = Loc::here()) {
    return compare_exchange(expected, desired, success, failure, loc);
  }
  bool compare_exchange_strong(T& expected, T desired, Order order = kSeqCst,
                               Loc loc = Loc::here()) {
    return compare_exchange(expected, desired, order, loc);
  }
  bool compare_exchange_strong(T& expected, T desired, Loc loc) {
    return compare_exchange(expected, desired, kSeqCst, loc);
  }
  /// std::atomic's weak compare-exchange, which may fail spuriously natively: here it never
  /// does (it is the strong one), so code that retries in a loop runs as it should. Code that
  /// takes a failure to mean another thread wrote is wrong natively and not caught here.
  bool compare_exchange_weak(T& expected, T desired, Order success, Order failure,
                             Loc loc = Loc::here()) {
    return compare_exchange(expected, desired, success, failure, loc);
  }
  bool compare_exchange_weak(T& expected, T desired, Order order = kSeqCst, Loc loc = Loc::here()) {
    return compare_exchange(expected, desired, order, loc);
  }
  bool compare_exchange_weak(T& expected, T desired, Loc loc) {
    return compare_exchange(expected, desired, kSeqCst, loc);
  }
  T fetch_add(T delta, Order order = kSeqCst, Loc loc = Loc::here()) {
    return add(delta, false, order, loc);
  }
  T fetch_add(T delta, Loc loc) { return add(delta, false, kSeqCst, loc); }
  /// One read-modify-write, as fetch_add (the same operation to the checker and to DPOR).
  T fetch_sub(T delta, Order order = kSeqCst, Loc loc = Loc::here()) {
    return add(delta, true, order, loc);
  }
  T fetch_sub(T delta, Loc loc) { return add(delta, true, kSeqCst, loc); }

 private:
  /// An order std::atomic does not allow for `what`: a misuse finding, and the operation goes on
  /// as seq_cst.
  Order misused(const char* what, Order order, Loc loc) const {
    x_->misuse(std::string(what) + " with memory_order_" + std::string(order_name(order)) +
                   " on '" + x_->object(id_).name + "', which std::atomic does not allow",
               loc);
    return kSeqCst;
  }
  T add(T delta, bool subtract, Order order, Loc loc) {
    x_->point(PendingOp{Op::kFetchAdd, id_}, loc);
    const T old = value_;
    value_ = subtract ? static_cast<T>(old - delta) : static_cast<T>(old + delta);
    x_->emit(Op::kFetchAdd, id_, event_value(value_), loc, kNoObject, order);
    return old;
  }

  Execution* x_;
  ObjectId id_;
  T value_;
};

}  // namespace interleave::sim
