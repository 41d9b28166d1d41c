// Native run state: deadline checks and thread-safe finding collection.
#include "models/native_run.hpp"

#include <algorithm>

namespace interleave {

NativeRun::NativeRun(double duration_s, NoteFn on_note)
    : start_(Clock::now()), has_deadline_(duration_s > 0), on_note_(std::move(on_note)) {
  deadline_ = start_ + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(has_deadline_ ? duration_s : 0));
}

void NativeRun::add(Finding f) {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = std::find_if(findings_.begin(), findings_.end(),
                         [&](const auto& e) { return e.first.key() == f.key(); });
  if (it != findings_.end()) {
    ++it->second;
    return;
  }
  findings_.emplace_back(std::move(f), 1);
}

void NativeRun::check_failed(const char* message, Loc loc) {
  const std::string where = std::string(loc.file) + ":" + std::to_string(loc.line);
  add(Finding{FindingKind::kInvariant,
              std::string("check failed: ") + message + " at " + where,
              0,
              "invariant|" + where + "|" + message,
              {}});
}

void NativeRun::threw(const char* thread, const std::string& what) {
  add(Finding{FindingKind::kException,
              std::string("thread '") + thread + "' threw: " + what,
              0,
              std::string("exception|") + thread + "|" + what,
              {}});
}

void NativeRun::note(const char* label, int64_t value) {
  if (!on_note_) return;
  const double t = now();
  std::lock_guard<std::mutex> guard(mu_);
  on_note_(label, value, t);
}

std::vector<std::pair<Finding, uint64_t>> NativeRun::findings() const {
  std::lock_guard<std::mutex> guard(mu_);
  return findings_;
}

}  // namespace interleave
