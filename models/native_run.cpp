// Native run state: deadline checks and thread-safe finding collection.
#include "models/native_run.hpp"

#include <algorithm>

namespace interleave {

thread_local const char* NativeRun::ThreadName::current_ = nullptr;

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
  const char* thread = ThreadName::current();
  {
    // A check that fails natively tends to fail many times over: count repeats cheaply.
    std::lock_guard<std::mutex> guard(mu_);
    for (CheckSite& site : check_sites_) {
      if (site.line == loc.line && site.file == loc.file && site.message == message) {
        ++findings_[site.finding].second;
        return;
      }
    }
  }
  // The same message as the simulator's, so native and simulated findings compare.
  const std::string text =
      std::string("check failed: ") + message + " at " + loc.file + ":" + std::to_string(loc.line);
  std::lock_guard<std::mutex> guard(mu_);
  check_sites_.push_back(CheckSite{loc.file, loc.line, message, findings_.size()});
  findings_.emplace_back(
      Finding{
          FindingKind::kInvariant, text, 0, {}, {std::string("first in thread '") + thread + "'"}},
      1);
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
