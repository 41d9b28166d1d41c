// Deadlock-by-timeout for native runs: every live thread blocked, with no change, for too long.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "models/native_run.hpp"
#include "sim/finding.hpp"

namespace interleave {

/// Watches a NativeRun from its own thread. Real threads stuck in a deadlock cannot be joined or
/// unwound, so `on_stuck` (called on the watchdog's thread with the deadlock finding) reports and
/// typically ends the process.
class NativeWatchdog {
 public:
  using OnStuck = std::function<void(const Finding& deadlock)>;

  /// `timeout_s` <= 0: does not watch.
  NativeWatchdog(const NativeRun& run, double timeout_s, OnStuck on_stuck);
  ~NativeWatchdog() { stop(); }
  NativeWatchdog(const NativeWatchdog&) = delete;
  NativeWatchdog& operator=(const NativeWatchdog&) = delete;

  /// Stops watching (returns once the watchdog's thread has ended).
  void stop();

 private:
  void watch();

  const NativeRun* run_;
  double timeout_s_;
  OnStuck on_stuck_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace interleave
