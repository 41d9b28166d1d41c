// Simulated plain memory: every load and store is a scheduling point and can race.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "sim/execution.hpp"
#include "sim/value.hpp"

namespace interleave::sim {

/// One plain (non-atomic) memory location. Constructing it with a value is not a store: write
/// the initialising store in the model when its ordering matters.
template <class T>
class Shared {
 public:
  Shared(Execution& x, const char* name, T initial = T{})
      : x_(&x), id_(x.add_object(ObjectKind::kLocation, name)), value_(initial) {}

  T load(Loc loc = Loc::here()) const {
    x_->point(PendingOp{Op::kLoad, id_}, loc);
    const T v = value_;
    x_->emit(Op::kLoad, id_, event_value(v), loc);
    return v;
  }
  void store(T v, Loc loc = Loc::here()) {
    x_->point(PendingOp{Op::kStore, id_}, loc);
    value_ = v;
    x_->emit(Op::kStore, id_, event_value(v), loc);
  }

 private:
  Execution* x_;
  ObjectId id_;
  T value_;
};

/// A fixed-size array of plain locations named name[0], name[1], ...
template <class T>
class SharedArray {
 public:
  // Its values live in the run's memory (Execution::run_memory), which kept states restore.
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "a simulated location holds a plain value");

  SharedArray(Execution& x, const char* name, std::size_t size, T initial = T{})
      : x_(&x),
        first_(x.add_array(name, static_cast<uint32_t>(size))),
        values_(static_cast<T*>(x.run_memory(size * sizeof(T), alignof(T)))),
        size_(size),
        name_(name) {
    std::uninitialized_fill_n(values_, size, initial);
  }
  SharedArray(const SharedArray&) = delete;
  SharedArray& operator=(const SharedArray&) = delete;

  /// A reference to one element, with the same load/store as Shared<T>.
  class Ref {
   public:
    T load(Loc loc = Loc::here()) const {
      const ObjectId id = a_->id(i_);
      a_->x_->point(PendingOp{Op::kLoad, id}, loc);
      const T v = a_->values_[i_];
      a_->x_->emit(Op::kLoad, id, event_value(v), loc);
      return v;
    }
    void store(T v, Loc loc = Loc::here()) {
      const ObjectId id = a_->id(i_);
      a_->x_->point(PendingOp{Op::kStore, id}, loc);
      a_->values_[i_] = v;
      a_->x_->emit(Op::kStore, id, event_value(v), loc);
    }

   private:
    friend class SharedArray;
    Ref(SharedArray* a, std::size_t i) : a_(a), i_(i) {}
    SharedArray* a_;
    std::size_t i_;
  };

  /// An index past the end throws std::out_of_range (a finding: the thread threw), where a
  /// native run reads or writes past the array.
  Ref operator[](std::size_t i) {
    if (i >= size_) [[unlikely]] past_the_end(i);
    return Ref(this, i);
  }
  std::size_t size() const { return size_; }

 private:
  [[noreturn, gnu::cold, gnu::noinline]] void past_the_end(std::size_t i) const {
    throw std::out_of_range("index " + std::to_string(i) + " past the end of '" + name_ +
                            "' (size " + std::to_string(size_) + ")");
  }
  ObjectId id(std::size_t i) const { return ObjectId{to_index(first_) + static_cast<uint32_t>(i)}; }

  Execution* x_;
  ObjectId first_;
  T* values_;
  std::size_t size_;
  const char* name_;
};

}  // namespace interleave::sim
