// The event stream: what the simulator tells its listeners about every visible operation.
// Ground rules: pure data, no fiber code; the checker and trace I/O include this and nothing else
// of the mechanism.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/ids.hpp"
#include "sim/loc.hpp"

namespace interleave {

/// Every kind of operation an event can record.
enum class Op : uint8_t {
  kLoad,         // Shared<T>::load
  kStore,        // Shared<T>::store
  kAtomicLoad,   // Atomic<T>::load
  kAtomicStore,  // Atomic<T>::store
  kExchange,     // Atomic<T>::exchange
  kCasOk,        // compare_exchange that succeeded (a write)
  kCasFail,      // compare_exchange that failed (a read)
  kFetchAdd,     // Atomic<T>::fetch_add
  kLock,         // Mutex::lock (also a successful try_lock)
  kTryLockFail,  // Mutex::try_lock that found the mutex held
  kUnlock,       // Mutex::unlock
  kWait,         // CondVar::wait: releases the mutex and starts waiting
  kWake,         // CondVar::wait returns: notified and the mutex re-acquired; value: the
                 // step of the notify that woke it
  kNotifyOne,    // value: 1 if it wakes a waiter (whichever takes it), 0 if none waits for it
  kNotifyAll,    // value: how many threads were woken
  kSpawn,        // value: the new thread; object: its event loop, if any
  kJoin,         // value: the joined thread
  kSleep,        // value: nanoseconds asked for
  kYield,
  kAwait,   // an event-loop task gives the loop back (await)
  kCheck,   // value: 1 held, 0 violated; name: the message
  kFinish,  // the thread's body returned
  kNote,    // a model annotation (name: label, value), e.g. a heartbeat
};

inline constexpr int kOpCount = static_cast<int>(Op::kNote) + 1;

/// The stable lower-case name used in timelines and traces.
std::string_view op_name(Op op);
/// Inverse of op_name; nullopt for an unknown name.
std::optional<Op> op_from_name(std::string_view name);

/// True for operations on a Shared/Atomic memory location.
constexpr bool is_memory_op(Op op) {
  return op <= Op::kFetchAdd;
}
/// True for memory operations that write.
constexpr bool is_write(Op op) {
  return op == Op::kStore || op == Op::kAtomicStore || op == Op::kExchange || op == Op::kCasOk ||
         op == Op::kFetchAdd;
}
/// True for operations on a plain (non-atomic) Shared location: the ones that can race.
constexpr bool is_plain_access(Op op) {
  return op == Op::kLoad || op == Op::kStore;
}

/// Whether an atomic operation with `order` acquires (reads what a release published) and
/// whether it releases. consume is taken as acquire, as compilers do.
constexpr bool acquires(std::memory_order order) {
  return order != std::memory_order_relaxed && order != std::memory_order_release;
}
constexpr bool releases(std::memory_order order) {
  return order == std::memory_order_release || order == std::memory_order_acq_rel ||
         order == std::memory_order_seq_cst;
}
/// The order a failed compare-exchange reads with, when only the success order is given (as
/// std::atomic derives it).
constexpr std::memory_order failure_order(std::memory_order success) {
  return success == std::memory_order_acq_rel   ? std::memory_order_acquire
         : success == std::memory_order_release ? std::memory_order_relaxed
                                                : success;
}
/// Whether a store may take `order` (not acquire, consume or acq_rel), and a load or a failed
/// compare-exchange (not release or acq_rel): std::atomic's preconditions.
constexpr bool store_order_ok(std::memory_order order) {
  return order == std::memory_order_relaxed || order == std::memory_order_release ||
         order == std::memory_order_seq_cst;
}
constexpr bool load_order_ok(std::memory_order order) {
  return order != std::memory_order_release && order != std::memory_order_acq_rel;
}
/// "relaxed", "consume", "acquire", "release", "acq_rel", "seq_cst".
std::string_view order_name(std::memory_order order);
/// Inverse of order_name; nullopt for an unknown name.
std::optional<std::memory_order> order_from_name(std::string_view name);

/// One visible operation, after it took effect.
struct Event {
  uint64_t step = 0;  // index in the execution's schedule
  ThreadId thread{};  // who performed it
  Op op = Op::kLoad;
  ObjectId object = kNoObject;  // location, mutex, condition variable, loop
  int32_t index = -1;           // element index for arrays, -1 for a scalar
  const char* name = nullptr;   // object name (or check message / note label)
  int64_t value = 0;            // value read or written, thread id for spawn/join, ...
  ObjectId aux = kNoObject;     // second object: the mutex of a wait/wake
  int64_t time_ns = 0;          // virtual time (timed runs)
  Loc loc{};
  // An atomic operation's memory order (seq_cst for every other operation).
  std::memory_order order = std::memory_order_seq_cst;
};

/// "values[1]" for an element of an array of objects, "x" for a scalar.
inline std::string location_label(const char* name, int32_t index) {
  if (name == nullptr) return {};
  if (index < 0) return name;
  return std::string(name) + "[" + std::to_string(index) + "]";
}

/// Whoever listens to an execution: the checker, a trace recorder, a timeline printer.
class EventSink {
 public:
  virtual ~EventSink() = default;
  /// A thread was created (before its spawn event); names come from the model.
  virtual void on_thread(ThreadId /*thread*/, const char* /*name*/, ThreadId /*parent*/,
                         ObjectId /*loop*/) {}
  virtual void on_event(const Event& event) = 0;
  /// Whether checks that hold are worth an event (a timeline shows them; a judge does not).
  virtual bool wants_passing_checks() const { return true; }
};

struct Finding;

/// A listener that judges runs (the race detector, a recorder): told where each run starts and
/// ends, it adds its findings to the run's own.
class Monitor : public EventSink {
 public:
  virtual void begin_run() = 0;
  virtual void end_run(std::vector<Finding>& findings) = 0;
  /// Begins a run that repeats the first `calls` calls (on_thread and on_event) of the last run
  /// this monitor saw, in place of begin_run(): the monitor returns to its state after those
  /// calls and is not sent them again; the run's calls go on from there, and end_run() reports
  /// as though all of them had been made. A search whose runs share their first steps (dfs) uses
  /// it to skip judging the same steps again. False when the monitor cannot (the default): it
  /// changed nothing, and the run is begun as usual.
  virtual bool rewind(uint64_t /*calls*/) { return false; }
  /// begin_run() for a run a search may rewind into later: a monitor that can rewind keeps, from
  /// now on, what it needs for it (in a plain begin_run() it keeps nothing).
  virtual void begin_rewindable_run() { begin_run(); }
};

}  // namespace interleave
