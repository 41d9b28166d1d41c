// Fiber stacks, allocated once (with a guard page) and reused across executions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/context/stack_context.hpp>

#include "sim/ids.hpp"

namespace interleave {

/// A model thread's stack unless the run says otherwise: a native thread's default on Linux, so
/// a model that runs natively runs simulated. Only the pages a thread touches take memory.
inline constexpr std::size_t kDefaultStackSize = 8 * 1024 * 1024;
/// Smaller sizes are raised to this: the fiber's own record sits at the top of its stack.
inline constexpr std::size_t kMinStackSize = 64 * 1024;

/// A guarded mmap'd stack costs ~10 us to make; popping one from this pool ~40 ns. Stacks are
/// returned when a fiber ends or is unwound, so an exploration touches only a handful.
/// A model thread that overflows its stack faults in the guard below it (64 KiB): the process
/// then says which thread, after how many steps, saves the run if asked to
/// (save_overflowing_runs), and exits with code 1 (see watch_stack_overflows), instead of dying
/// of a bare segmentation fault.
class StackPool {
 public:
  explicit StackPool(std::size_t stack_size = kDefaultStackSize);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& stack) noexcept;

  std::size_t stacks_made() const { return made_.size(); }
  /// Usable bytes of each stack.
  std::size_t stack_size() const { return size_; }

  /// The StackAllocator concept Boost.Context wants: a copyable handle onto the pool.
  struct Allocator {
    StackPool* pool;
    boost::context::stack_context allocate() { return pool->allocate(); }
    void deallocate(boost::context::stack_context& stack) noexcept { pool->deallocate(stack); }
  };
  Allocator allocator() { return Allocator{this}; }

 private:
  std::size_t size_;         // usable bytes, without the guard
  std::vector<void*> free_;  // tops of stacks ready for reuse
  std::vector<void*> made_;  // mapping bases, for unmapping
};

/// What the overflow report names: set by the execution that runs model threads on this OS
/// thread (the last one to have run, until it is destroyed).
struct OverflowContext {
  const char* (*thread_name)(const void* execution) = nullptr;
  uint64_t (*step)(const void* execution) = nullptr;
  // The run so far, for save_overflowing_runs: the thread of each step, the random values.
  const ThreadId* (*schedule)(const void* execution, std::size_t* size) = nullptr;
  const uint64_t* (*random)(const void* execution, std::size_t* size) = nullptr;
  const void* execution = nullptr;
};
/// Installs, once per process, the handler that reports a model thread's stack overflow, and an
/// alternate signal stack for the calling OS thread; `context` names what runs there. Does
/// nothing under a sanitizer, which reports overflows itself.
void watch_stack_overflows(const OverflowContext& context);
/// The calling OS thread no longer runs the execution `execution` (it is being destroyed).
void unwatch_stack_overflows(const void* execution);
/// From now on, a model thread's stack overflow (in an untimed run) also writes the run that
/// overflowed to `path` as a trace: `head` is the trace's JSON object up to its schedule, without
/// the closing brace; the schedule and random values so far follow. Replaying it runs into the
/// same overflow (the overflowing thread runs on from the last step recorded), which a debugger
/// can then stop at. An empty `path`: nothing is saved. Call it before the search, not during.
void save_overflowing_runs(std::string path, std::string head);

}  // namespace interleave
