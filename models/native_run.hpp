// The shared state of one native run: deadline, findings and notes, safe across real threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "sim/finding.hpp"
#include "sim/loc.hpp"

namespace interleave {

/// What a native run reports. Checks that fail are counted per location; the first of each is
/// kept as a Finding with the same kind and signature the simulator uses.
class NativeRun {
 public:
  using Clock = std::chrono::steady_clock;
  using NoteFn = std::function<void(const char* label, int64_t value, double seconds)>;

  /// `duration` <= 0: no deadline (finite models run to their end).
  explicit NativeRun(double duration_s = 0, NoteFn on_note = {});

  /// Names the calling thread for findings, as the simulator does, while in scope.
  class ThreadName {
   public:
    explicit ThreadName(const char* name) : previous_(current_) { current_ = name; }
    ~ThreadName() { current_ = previous_; }
    ThreadName(const ThreadName&) = delete;
    ThreadName& operator=(const ThreadName&) = delete;
    static const char* current() { return current_ != nullptr ? current_ : "main"; }

   private:
    const char* previous_;
    static thread_local const char* current_;
  };

  bool running() const { return !has_deadline_ || Clock::now() < deadline_; }
  double now() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  void check_failed(const char* message, Loc loc);
  void threw(const char* thread, const std::string& what);
  void note(const char* label, int64_t value);

  /// Distinct findings, each with how many times it happened.
  std::vector<std::pair<Finding, uint64_t>> findings() const;

 private:
  void add(Finding f);

  Clock::time_point start_;
  Clock::time_point deadline_;
  bool has_deadline_;
  NoteFn on_note_;
  mutable std::mutex mu_;
  std::vector<std::pair<Finding, uint64_t>> findings_;  // guarded by mu_
  struct CheckSite {
    const char* file;
    unsigned line;
    std::string message;
    std::size_t finding;  // index in findings_
  };
  std::vector<CheckSite> check_sites_;  // guarded by mu_
};

}  // namespace interleave
