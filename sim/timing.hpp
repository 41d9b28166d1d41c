// Timed simulation: a virtual clock, a cost model and a preemption policy.
// Ground rules:
//  - time advances only by the cost of executed operations, and jumps to the next wake-up when
//    nothing can run; nothing depends on the host's clock;
//  - the policy decides who may run; when it leaves a choice (which waiting thread gets the CPU,
//    how long a woken thread takes to wake) the strategy makes it, so a seed reproduces a run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace interleave {

enum class Policy : uint8_t {
  kPreemptive,   // a switch may happen at any visible operation (the strategy decides)
  kGil,          // Python-like: the running thread keeps the CPU until it blocks, sleeps,
                 // yields or its switch interval ends
  kCooperative,  // asyncio-like: switches only at explicit awaits, ready tasks in FIFO order
};

enum class Fairness : uint8_t {
  kBarging,  // an unlock wakes a waiter, but the releasing thread may take the mutex back first
  kFifo,     // an unlock hands the mutex straight to the longest waiter
};

std::string_view policy_name(Policy p);
std::optional<Policy> policy_from_name(std::string_view name);
std::string_view fairness_name(Fairness f);
std::optional<Fairness> fairness_from_name(std::string_view name);

/// Everything about time in one run. Defaults are calibrated on the counter/heartbeat program of
/// the threads-vs-asyncio comparison: one counter pass over 100,000 elements (200,000 visible
/// operations) takes about 12 ms, as it did in CPython 3.8.
struct TimingConfig {
  bool timed = false;
  Policy policy = Policy::kGil;
  Fairness fairness = Fairness::kBarging;
  int64_t op_cost_ns = 60;                 // one visible operation
  int64_t syscall_cost_ns = 1'000;         // a yield or sleep(0): a trip through the kernel
  int64_t work_cost_ns = 1;                // one unit of model work (env.work(units))
  int64_t switch_interval_ns = 5'000'000;  // the GIL's switch interval (sys.getswitchinterval)
  int64_t wake_latency_max_ns = 2'000;     // a woken waiter needs 0..this long to run (seeded)
  int64_t duration_ns = 10'000'000'000;    // looping models stop once the clock passes this
};

/// The longest run a timing may ask for: an hour of virtual time.
inline constexpr int64_t kMaxDurationNs = 3'600'000'000'000;

/// What is wrong with `t`'s costs and duration, in one line naming the field (as a trace names
/// it); empty when nothing is. A visible operation must cost time: at no cost, a model that
/// loops until the duration ends would never end.
std::string timing_problem(const TimingConfig& t);

}  // namespace interleave
