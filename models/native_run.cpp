// Native run state: deadline checks, thread-safe findings and notes, and blocked-thread accounting.
#include "models/native_run.hpp"

#include <algorithm>
#include <cstdio>

#include "models/tsan_invisible.hpp"
#include "sim/event.hpp"

namespace interleave {

thread_local const char* NativeRun::ThreadName::current_ = nullptr;
thread_local NativeRun::ThreadSlot* NativeRun::slot_ = nullptr;

NativeRun::NativeRun(double duration_s, NoteFn on_note)
    : start_(Clock::now()), has_deadline_(duration_s > 0), on_note_(std::move(on_note)) {
  deadline_ = start_ + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(has_deadline_ ? duration_s : 0));
}

const char* NativeRun::ThreadName::current() {
  return current_ != nullptr ? current_ : "main";
}

NativeRun::ThreadName::ThreadName(const char* name, NativeRun* run) : previous_(current_) {
  current_ = name;
  if (run == nullptr || slot_ != nullptr) return;
  const TsanInvisible bookkeeping;
  std::lock_guard<std::mutex> guard(run->mu_);
  ThreadSlot& slot = run->threads_.emplace_back();
  slot.name = name;
  slot_ = &slot;
  registered_ = run;
  run->live_.fetch_add(1, std::memory_order_relaxed);
  run->epoch_.fetch_add(1, std::memory_order_relaxed);
}

NativeRun::ThreadName::~ThreadName() {
  current_ = previous_;
  if (registered_ == nullptr) return;
  const TsanInvisible bookkeeping;
  slot_->alive.store(false, std::memory_order_relaxed);
  slot_ = nullptr;
  registered_->live_.fetch_sub(1, std::memory_order_relaxed);
  registered_->epoch_.fetch_add(1, std::memory_order_relaxed);
}

NativeRun::Blocked::Blocked(NativeRun* run, const char* what, const char* object, int32_t index,
                            Loc loc)
    : run_(slot_ != nullptr ? run : nullptr) {
  if (run_ == nullptr) return;
  const TsanInvisible bookkeeping;
  slot_->object = object;
  slot_->index = index;
  slot_->loc = loc;
  slot_->waits.store(what, std::memory_order_relaxed);
  run_->blocked_.fetch_add(1, std::memory_order_relaxed);
  run_->epoch_.fetch_add(1, std::memory_order_relaxed);
}

NativeRun::Blocked::~Blocked() {
  if (run_ == nullptr) return;
  const TsanInvisible bookkeeping;
  slot_->waits.store(nullptr, std::memory_order_relaxed);
  run_->blocked_.fetch_sub(1, std::memory_order_relaxed);
  run_->epoch_.fetch_add(1, std::memory_order_relaxed);
}

NativeRun::Progress NativeRun::progress() const {
  // Relaxed: the accounting must not order the model's threads. A change between the reads
  // shows as a new epoch at the next look.
  const TsanInvisible bookkeeping;
  Progress p;
  p.live = live_.load(std::memory_order_relaxed);
  p.blocked = blocked_.load(std::memory_order_relaxed);
  p.epoch = epoch_.load(std::memory_order_relaxed);
  return p;
}

Finding NativeRun::deadlock(double seconds) const {
  Finding f;
  f.kind = FindingKind::kDeadlock;
  std::vector<std::string> parts;
  {
    // Read while the threads are stuck; a slot being rewritten shows a stale place at worst.
    const TsanInvisible bookkeeping;
    std::lock_guard<std::mutex> guard(mu_);
    for (const ThreadSlot& t : threads_) {
      const char* waits = t.waits.load(std::memory_order_relaxed);
      if (!t.alive.load(std::memory_order_relaxed) || waits == nullptr) continue;
      const std::string where = std::string(t.loc.file) + ":" + std::to_string(t.loc.line);
      f.details.push_back(std::string("thread '") + t.name + "' " + waits + " '" +
                          location_label(t.object, t.index) + "' at " + where);
      parts.push_back(std::string(t.name) + "@" + where);
    }
  }
  std::sort(parts.begin(), parts.end());
  char secs[32];
  std::snprintf(secs, sizeof secs, "%g", seconds);
  f.message = std::to_string(f.details.size()) + " thread" + (f.details.size() == 1 ? "" : "s") +
              " blocked for " + secs + " s, none can run (no progress natively: a deadlock)";
  f.signature = "deadlock";
  for (const std::string& p : parts) f.signature += "|" + p;
  return f;
}

void NativeRun::add(Finding f) {
  const TsanInvisible bookkeeping;
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
  const TsanInvisible bookkeeping;
  failed_checks_.fetch_add(1, std::memory_order_relaxed);
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

void NativeRun::never_joined(const char* thread) {
  add(Finding{FindingKind::kException,
              std::string("thread '") + thread +
                  "' was never joined: its handle was destroyed while it was joinable "
                  "(std::thread would call std::terminate)",
              0,
              std::string("never_joined|") + thread,
              {}});
}

const char* NativeRun::keep_name(std::string name) {
  const TsanInvisible bookkeeping;
  std::lock_guard<std::mutex> guard(mu_);
  return kept_names_.emplace_back(std::move(name)).c_str();
}

void NativeRun::note(const char* label, int64_t value) {
  const double t = now();
  const TsanInvisible bookkeeping;
  const uint64_t failed = failed_checks();
  std::lock_guard<std::mutex> guard(mu_);
  notes_.push_back(NativeNote{label, value, t, failed});
  if (on_note_) on_note_(notes_.back());
}

std::vector<std::pair<Finding, uint64_t>> NativeRun::findings() const {
  const TsanInvisible bookkeeping;
  std::lock_guard<std::mutex> guard(mu_);
  return findings_;
}

std::vector<NativeNote> NativeRun::notes() const {
  const TsanInvisible bookkeeping;
  std::lock_guard<std::mutex> guard(mu_);
  return notes_;
}

}  // namespace interleave
