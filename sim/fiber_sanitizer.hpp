// Tells ThreadSanitizer and AddressSanitizer about fiber switches; compiles to nothing without
// them (Boost.Context fibers otherwise confuse both: TSan crashes or grows without bound). Rules:
//  - every switch is announced just before the jump (`Switch`) and finished just after landing;
//  - a fiber's first entry (its construction jumps onto its stack) runs as that fiber for TSan;
//  - a fiber that ends leaves for good (ASan drops its fake stack); TSan is switched back and the
//    fiber destroyed only after its last jump has landed on the context that destroyed it.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

#include <boost/context/fiber.hpp>
#include <boost/context/stack_context.hpp>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define INTERLEAVE_TSAN 1
#endif
#if __has_feature(address_sanitizer)
#define INTERLEAVE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(INTERLEAVE_TSAN)
#define INTERLEAVE_TSAN 1
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(INTERLEAVE_ASAN)
#define INTERLEAVE_ASAN 1
#endif

#if defined(INTERLEAVE_TSAN)
#include <sanitizer/tsan_interface.h>
#endif
#if defined(INTERLEAVE_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif

namespace interleave::fiber_sanitizer {

/// Whether this build runs under ThreadSanitizer (the native cross-check needs one that does).
#if defined(INTERLEAVE_TSAN)
inline constexpr bool kThread = true;
#else
inline constexpr bool kThread = false;
#endif
#if defined(INTERLEAVE_ASAN)
inline constexpr bool kAddress = true;
#else
inline constexpr bool kAddress = false;
#endif

#if defined(INTERLEAVE_TSAN) || defined(INTERLEAVE_ASAN)

/// How the sanitizers see one context that fibers switch between: a fiber's stack, or the
/// thread's own stack that switches into fibers and back.
struct Context {
  void* tsan = nullptr;          // TSan's fiber for it
  const void* bottom = nullptr;  // ASan: lowest address of its stack, and the stack's size
  std::size_t size = 0;
  void* fake_stack = nullptr;  // ASan: its fake stack while switched out
};

/// Owns a fiber's Context at a stable address while the fiber moves between owners.
class Handle {
 public:
  Handle() = default;
  explicit Handle(const boost::context::stack_context& stack) : c_(std::make_unique<Context>()) {
#if defined(INTERLEAVE_TSAN)
    c_->tsan = __tsan_create_fiber(0);
#endif
    c_->bottom = static_cast<const char*>(stack.sp) - stack.size;
    c_->size = stack.size;
  }
  Context* get() const {
    return c_.get();
  }
  explicit operator bool() const {
    return c_ != nullptr;
  }

 private:
  std::unique_ptr<Context> c_;
};

/// The calling thread's own context, as it is now (call before switching into fibers from it).
inline void adopt_current(Context& self) {
#if defined(INTERLEAVE_TSAN)
  self.tsan = __tsan_get_current_fiber();
#else
  (void)self;
#endif
}

/// Announces a jump from `self` to `to`; call just before it.
inline void announce([[maybe_unused]] Context* self, const Context* to) {
#if defined(INTERLEAVE_ASAN)
  __sanitizer_start_switch_fiber(&self->fake_stack, to->bottom, to->size);
#endif
#if defined(INTERLEAVE_TSAN)
  __tsan_switch_to_fiber(to->tsan, 0);  // with synchronisation: switches order like a lock
#endif
  (void)to;
}

/// Back on `self`'s stack after a jump; `from` (if not null) learns its stack bounds from ASan.
inline void land(Context* self, Context* from) {
#if defined(INTERLEAVE_ASAN)
  const void* bottom = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(self->fake_stack, &bottom, &size);
  if (from != nullptr && bottom != nullptr) {
    from->bottom = bottom;
    from->size = size;
  }
#else
  (void)self;
  (void)from;
#endif
}

/// The running fiber ends: its next jump (to `to`) is its last. Code may still run on its stack
/// until that jump; `to` calls `after_last_jump` once it has landed.
inline void leave_for_good(const Context& to) {
#if defined(INTERLEAVE_ASAN)
  __sanitizer_start_switch_fiber(nullptr, to.bottom, to.size);
#else
  (void)to;
#endif
}

/// One switch from `self` to `to`: construct just before the jump, `landed` just after it.
/// Destroyed without `landed`, the jump never returned normally: `self` is being destroyed
/// (forced unwinding) and leaves for good to `destroyer` once its stack is unwound.
class Switch {
 public:
  Switch(Context* self, Context* to, Context* destroyer) : self_(self), destroyer_(destroyer) {
    announce(self, to);
  }
  Switch(const Switch&) = delete;
  Switch& operator=(const Switch&) = delete;
  void landed(Context* from) {
    land(self_, from);
    self_ = nullptr;
  }
  ~Switch() {
    if (self_ == nullptr) return;
    land(self_, nullptr);
    if (destroyer_ != nullptr) leave_for_good(*destroyer_);
  }

 private:
  Context* self_;
  Context* destroyer_;
};

/// Back on `self` after `dead`'s last jump: TSan switches back, then forgets the dead fiber.
inline void after_last_jump(Context* self, Handle& dead) {
#if defined(INTERLEAVE_ASAN)
  __sanitizer_finish_switch_fiber(self->fake_stack, nullptr, nullptr);
#endif
#if defined(INTERLEAVE_TSAN)
  __tsan_switch_to_fiber(self->tsan, 0);
  __tsan_destroy_fiber(dead.get()->tsan);
#endif
  dead = Handle();
}

/// Constructs a fiber with `make()`. Boost jumps onto the new stack and back while constructing:
/// for TSan that runs as the new fiber, so each fiber's shadow call stack stays balanced.
template <class Make>
auto construct(Context* self, const Handle& fresh, Make&& make) {
#if defined(INTERLEAVE_TSAN)
  __tsan_switch_to_fiber(fresh.get()->tsan, 0);
  auto made = make();
  __tsan_switch_to_fiber(self->tsan, 0);
  return made;
#else
  (void)self;
  (void)fresh;
  return make();
#endif
}

/// Destroys a suspended fiber: that unwinds its stack (a `Switch` in it ends it for good) and
/// jumps back here.
inline void destroy(Context* self, Handle& handle, boost::context::fiber&& fiber) {
  if (!fiber) return;
  announce(self, handle.get());
  { boost::context::fiber doomed(std::move(fiber)); }
  after_last_jump(self, handle);
}

#else  // no sanitizer: every annotation is an empty inline function or an empty object

struct Context {};

class Handle {
 public:
  Handle() = default;
  explicit Handle(const boost::context::stack_context&) {}
  Context* get() const { return nullptr; }
};

inline void adopt_current(Context&) {}

inline void announce(Context*, const Context*) {}
inline void land(Context*, Context*) {}
inline void leave_for_good(const Context&) {}

class Switch {
 public:
  Switch(Context*, Context*, Context*) {}
  Switch(const Switch&) = delete;
  Switch& operator=(const Switch&) = delete;
  void landed(Context*) {}
};

inline void after_last_jump(Context*, Handle&) {}

template <class Make>
auto construct(Context*, const Handle&, Make&& make) {
  return make();
}

inline void destroy(Context*, Handle&, boost::context::fiber&& fiber) {
  boost::context::fiber doomed(std::move(fiber));
}

#endif

}  // namespace interleave::fiber_sanitizer
