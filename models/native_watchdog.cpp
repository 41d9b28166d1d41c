// The native watchdog: samples the run's progress a few times a second.
#include "models/native_watchdog.hpp"

#include <algorithm>
#include <chrono>

namespace interleave {

NativeWatchdog::NativeWatchdog(const NativeRun& run, double timeout_s, OnStuck on_stuck)
    : run_(&run), timeout_s_(timeout_s), on_stuck_(std::move(on_stuck)) {
  if (timeout_s_ > 0) thread_ = std::thread([this] { watch(); });
}

void NativeWatchdog::stop() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NativeWatchdog::watch() {
  using Clock = std::chrono::steady_clock;
  const auto interval = std::chrono::duration<double>(std::clamp(timeout_s_ / 20, 0.005, 0.1));
  bool stuck = false;  // every live thread blocked at the last look, in epoch `epoch`
  uint64_t epoch = 0;
  Clock::time_point since;
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
    const NativeRun::Progress p = run_->progress();
    const auto now = Clock::now();
    if (p.live == 0 || p.blocked < p.live) {
      stuck = false;
      continue;
    }
    if (!stuck || p.epoch != epoch) {  // newly stuck, or something moved in between
      stuck = true;
      epoch = p.epoch;
      since = now;
      continue;
    }
    const double seconds = std::chrono::duration<double>(now - since).count();
    if (seconds >= timeout_s_) {
      lock.unlock();
      on_stuck_(run_->deadlock(timeout_s_));
      return;
    }
  }
}

}  // namespace interleave
