// The race detector's cold path: turning a detected race into a finding, and explaining a failed
// check by the racing write it read.
#include <algorithm>
#include <string>

#include "checker/describe.hpp"
#include "checker/race_detector.hpp"

namespace interleave {

using text::access_name;
using text::clock_text;
using text::loc_less;
using text::loc_text;
using text::object_label;
using text::same_loc;
using text::thread_text;

std::string RaceDetector::clock_at(const Access& a) const {
  const ThreadState& t = threads_[to_index(a.thread)];
  // The snapshot holds what the thread had acquired by then; its own entry is the access's epoch.
  std::vector<uint32_t> clocks;
  if (a.snapshot < t.history.size()) {
    const uint32_t n = t.history[a.snapshot];
    const uint32_t* first = t.history.data() + a.snapshot + 1;
    clocks.assign(first, first + n);
  }
  if (clocks.size() <= to_index(a.thread)) clocks.resize(to_index(a.thread) + 1, 0);
  clocks[to_index(a.thread)] = a.clock;
  return clock_text(clocks.data(), clocks.size(), names_);
}

std::string RaceDetector::describe(const Access& a, const char* name, int32_t index) const {
  return std::string(access_name(a.op)) + " " + object_label(name, index) + "=" +
         std::to_string(a.value) + " by " + thread_text(a.thread, names_) + " at step " +
         std::to_string(a.step) + ", " + loc_text(a.loc);
}

void RaceDetector::report_slow(const Access& earlier, const Access& later, const Event& e) {
  Loc first = earlier.loc;
  Loc second = later.loc;
  if (loc_less(second, first)) std::swap(first, second);
  for (const RaceKey& k : races_) {
    if (same_loc(k.first, first) && same_loc(k.second, second)) return;  // once per run
  }
  Finding f;
  f.kind = FindingKind::kDataRace;
  f.step = later.step;
  f.other_step = earlier.step;
  const LeanText* cached = nullptr;
  if (!explain_) {
    // Searching: the text of a pair is built once and reused in every later run.
    for (const LeanText& c : lean_texts_) {
      if (same_loc(c.first, first) && same_loc(c.second, second)) cached = &c;
    }
  }
  if (cached != nullptr) {
    f.message = cached->message;
    f.signature = cached->signature;
  } else {
    const std::string label = object_label(e.name, e.index);
    f.message = "on " + label + ": " + access_name(earlier.op) + " at " + loc_text(earlier.loc) +
                " (thread " + thread_text(earlier.thread, names_) + ") and " +
                access_name(later.op) + " at " + loc_text(later.loc) + " (thread " +
                thread_text(later.thread, names_) + ") are not ordered by happens-before";
    f.signature = "data_race|" + loc_text(first) + "|" + loc_text(second);
    if (!explain_) lean_texts_.push_back(LeanText{first, second, f.message, f.signature});
  }
  if (explain_) {
    const std::string earlier_thread = thread_text(earlier.thread, names_);
    const std::string later_thread = thread_text(later.thread, names_);
    const uint32_t known = threads_[to_index(later.thread)].clock.get(earlier.thread);
    f.details.push_back("earlier access: " + describe(earlier, e.name, e.index) + ", clock " +
                        clock_at(earlier));
    f.details.push_back("later access: " + describe(later, e.name, e.index) + ", clock " +
                        clock_at(later) + "; " + earlier_thread + " had " +
                        std::to_string(earlier.clock) + " > " + std::to_string(known) +
                        " known to " + later_thread);
  }
  if (journal_) {
    undo_.save_length(races_);
    undo_.save_length(findings_);
  }
  races_.push_back(RaceKey{first, second, findings_.size(), false, e.name, e.index});
  findings_.push_back(std::move(f));
}

void RaceDetector::explain_failed_check(ThreadState& t, const Event& check) {
  if (linked_ == races_.size()) return;  // every race already says which check it explains
  const auto line = [&](const RacyRead& r) {
    return "the failed check at " + loc_text(check.loc) + " read " + object_label(r.name, r.index) +
           "=" + std::to_string(r.read.value) + ", written by " +
           thread_text(r.writer.thread, names_) + " at step " + std::to_string(r.writer.step) +
           " (" + loc_text(r.writer.loc) + "), a write that races with this read";
  };
  const auto link = [&](RaceKey& key, const RacyRead& r) {
    if (key.linked) return;
    std::string explained = line(r);
    if (r.index != key.index || r.name != key.name) {
      // Another element through the same two lines: a race reported once, read here elsewhere.
      explained += " (the same two lines race on " + object_label(r.name, r.index) + " too)";
    }
    findings_[key.finding].details.push_back(std::move(explained));
    key.linked = true;
    ++linked_;
  };
  const uint32_t n = std::min<uint32_t>(t.recent_count, kRecentReads);
  bool matched = false;
  for (uint32_t k = 0; k < n; ++k) {  // most recent first
    const RacyRead& r = t.recent[(t.recent_count - 1 - k) % kRecentReads];
    for (RaceKey& key : races_) {
      const bool same = (identical(key.first, r.writer.loc) && identical(key.second, r.read.loc)) ||
                        (identical(key.first, r.read.loc) && identical(key.second, r.writer.loc)) ||
                        (same_loc(key.first, r.writer.loc) && same_loc(key.second, r.read.loc)) ||
                        (same_loc(key.first, r.read.loc) && same_loc(key.second, r.writer.loc));
      if (!same) continue;
      matched = true;
      link(key, r);
      break;
    }
  }
  if (!matched && !races_.empty())
    link(races_.front(), t.recent[(t.recent_count - 1) % kRecentReads]);
}

}  // namespace interleave
