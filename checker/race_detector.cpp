// The race detector's hot path: clock bookkeeping per event and FastTrack checks per access.
#include "checker/race_detector.hpp"

#include <algorithm>

namespace interleave {

void RaceDetector::begin_run() {
  for (uint32_t i = 0; i < threads_used_; ++i) {
    ThreadState& t = threads_[i];
    t.clock.clear();
    t.history.clear();
    t.snapshot = 0;
    t.loop = kNoObject;
    t.live = false;
    t.recent_count = 0;
  }
  threads_used_ = 0;
  names_.clear();
  for (uint32_t i = 0; i < sync_used_; ++i) sync_[i].clear();
  sync_used_ = 0;
  loop_last_.clear();
  shadows_.clear();
  read_sets_used_ = 0;
  notifies_used_ = 0;
  compact_at_ = kCompactAt;
  findings_.clear();
  races_.clear();
  linked_ = 0;
  undo_.clear();
  journal_ = false;
}

void RaceDetector::begin_rewindable_run() {
  begin_run();
  journal_ = !explain_;
}

void RaceDetector::end_run(std::vector<Finding>& findings) {
  if (journal_) {  // kept: the next run may be rewound into this one
    findings.insert(findings.end(), findings_.begin(), findings_.end());
    return;
  }
  for (Finding& f : findings_) findings.push_back(std::move(f));
  findings_.clear();
  races_.clear();
  linked_ = 0;
}

bool RaceDetector::rewind(uint64_t calls) {
  if (!journal_ || !undo_.can_undo_to(calls)) return false;
  undo_.undo_to(calls);
  return true;
}

const VectorClock& RaceDetector::clock_of(ThreadId thread) const {
  static const VectorClock kEmpty;
  const uint32_t i = to_index(thread);
  return i < threads_used_ && threads_[i].live ? threads_[i].clock : kEmpty;
}

RaceDetector::ThreadState& RaceDetector::start_thread(ThreadId tid, const ThreadState* parent) {
  const uint32_t i = to_index(tid);
  if (i >= threads_.size()) grow(threads_, i + 1);
  if (i >= threads_used_) {
    keep(threads_used_);
    threads_used_ = i + 1;
  }
  ThreadState& t = threads_[i];
  keep(t.clock);
  keep(t.loop);
  keep(t.live);
  t.clock.clear();
  if (parent != nullptr) t.clock.acquire(parent->clock);
  t.clock.set(tid, 1);  // epoch 0 means "nothing yet"
  t.history.clear();
  t.loop = kNoObject;
  t.live = true;
  t.recent_count = 0;
  if (explain_) take_snapshot(t);
  return t;
}

RaceDetector::ThreadState& RaceDetector::thread(ThreadId tid) {
  const uint32_t i = to_index(tid);
  if (i < threads_used_ && threads_[i].live) [[likely]]
    return threads_[i];
  return start_thread(tid, nullptr);  // a stream without on_thread for it: a fresh root thread
}

void RaceDetector::on_thread(ThreadId tid, const char* name, ThreadId parent, ObjectId loop) {
  if (journal_) undo_.mark();
  // Grow first, so that references taken below stay valid.
  uint32_t need = to_index(tid) + 1;
  if (parent != kNoThread) need = std::max(need, to_index(parent) + 1);
  if (threads_.size() < need) grow(threads_, need);
  ThreadState* p = nullptr;
  if (parent != kNoThread) {
    p = &thread(parent);
    if (p->loop != kNoObject) enter_loop(parent, *p);  // the spawn is an event of the parent task
  }
  ThreadState& t = start_thread(tid, p);
  t.loop = loop;
  if (p != nullptr) tick(*p, parent);  // the parent's later work is not before the child
  // Names are not saved: a thread's is set once, when it starts, before anything reads it.
  const uint32_t i = to_index(tid);
  if (names_.size() <= i) names_.resize(i + 1);
  names_[i] = name != nullptr ? name : "";
}

VectorClock& RaceDetector::sync(ObjectId object) {
  const uint32_t i = to_index(object);
  if (i >= sync_.size()) grow(sync_, i + 1);
  if (i >= sync_used_) {
    keep(sync_used_);
    sync_used_ = i + 1;
  }
  return sync_[i];
}

RaceDetector::NotifyClock* RaceDetector::notify_at(int64_t step) {
  // Wakes mostly follow their notify closely: search from the latest.
  for (uint32_t i = notifies_used_; i-- > 0;) {
    NotifyClock& n = notifies_[i];
    if (static_cast<int64_t>(n.step) == step) return &n;
    if (static_cast<int64_t>(n.step) < step) break;
  }
  return nullptr;
}

void RaceDetector::drop_spent_notifies() {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < notifies_used_; ++i) {
    if (notifies_[i].left <= 0) continue;
    if (kept != i) std::swap(notifies_[kept], notifies_[i]);  // (storage goes along, for reuse)
    ++kept;
  }
  notifies_used_ = kept;
}

void RaceDetector::take_snapshot(ThreadState& t) {
  t.snapshot = static_cast<uint32_t>(t.history.size());
  t.history.push_back(static_cast<uint32_t>(t.clock.size()));
  t.history.insert(t.history.end(), t.clock.data(), t.clock.data() + t.clock.size());
}

void RaceDetector::acquire(ThreadState& t, const VectorClock& clock) {
  keep(t.clock);
  if (t.clock.acquire(clock) && explain_) take_snapshot(t);
}

// Tasks of one loop run on one OS thread: each event of a task acquires the loop and releases
// into it. Done lazily: only a switch to another task publishes the previous task's clock.
void RaceDetector::enter_loop(ThreadId tid, ThreadState& t) {
  const uint32_t li = to_index(t.loop);
  if (li >= loop_last_.size()) grow(loop_last_, li + 1, kNoThread);
  const ThreadId last = loop_last_[li];
  if (last == tid) return;
  VectorClock& loop = sync(t.loop);
  if (last != kNoThread) {
    ThreadState& prev = threads_[to_index(last)];
    release(prev, loop);
    tick(prev, last);
  }
  acquire(t, loop);
  keep(loop_last_[li]);
  loop_last_[li] = tid;
}

Access RaceDetector::access_of(ThreadId tid, const ThreadState& t, const Event& e) const {
  Access a;
  record(a, tid, t, e);
  return a;
}

void RaceDetector::racy_read(ThreadId tid, ThreadState& t, const Shadow& s, const Event& e) {
  report(s.write, tid, t, e);
  if (!explain_) return;
  RacyRead& r = t.recent[t.recent_count % kRecentReads];
  record(r.read, tid, t, e);
  r.writer = s.write;
  r.name = e.name;
  r.index = e.index;
  ++t.recent_count;
}

void RaceDetector::read(ThreadId tid, ThreadState& t, const Event& e) {
  Shadow& s = shadow(e.object);
  if (!t.clock.knows(s.write.epoch())) [[unlikely]]
    racy_read(tid, t, s, e);
  keep(s);
  if (!s.shared) {
    if (s.read.thread == tid || t.clock.knows(s.read.epoch())) {
      record(s.read, tid, t, e);  // reads stay totally ordered: one epoch is enough
      return;
    }
    // Two concurrent reads: inflate to a read vector clock (reusing a pooled one).
    if (s.read_set == kNoReadSet) {
      if (read_sets_used_ == read_sets_.size()) grow(read_sets_, read_sets_used_ + std::size_t{1});
      keep(read_sets_used_);
      s.read_set = read_sets_used_++;
    }
    ReadSet& rs = read_sets_[s.read_set];
    keep_all(rs.reads);
    const std::size_t n = std::max(to_index(s.read.thread), to_index(tid)) + std::size_t{1};
    if (rs.reads.size() < n) rs.reads.resize(n);
    for (Access& r : rs.reads) r.clock = 0;  // cheaper than re-initialising whole entries
    rs.reads[to_index(s.read.thread)] = s.read;
    s.shared = true;
  } else {
    keep_all(read_sets_[s.read_set].reads);
  }
  ReadSet& rs = read_sets_[s.read_set];
  if (rs.reads.size() <= to_index(tid)) rs.reads.resize(to_index(tid) + 1);
  record(rs.reads[to_index(tid)], tid, t, e);
}

void RaceDetector::check_reads_before_write(ThreadId tid, const ThreadState& t, Shadow& s,
                                            const Event& e) {
  if (!s.shared) {
    if (!t.clock.knows(s.read.epoch())) [[unlikely]]
      report(s.read, tid, t, e);
    return;
  }
  const ReadSet& rs = read_sets_[s.read_set];
  for (std::size_t i = 0; i < rs.reads.size(); ++i) {
    const Access& r = rs.reads[i];
    if (r.clock != 0 && !t.clock.knows(r.epoch())) report(r, tid, t, e);
  }
  // Every earlier read is now checked against this write; later writes only need this one.
  s.shared = false;
  s.read.clock = 0;
}

void RaceDetector::write(ThreadId tid, ThreadState& t, const Event& e) {
  Shadow& s = shadow(e.object);
  keep(s);
  if (!t.clock.knows(s.write.epoch())) [[unlikely]]
    report(s.write, tid, t, e);
  check_reads_before_write(tid, t, s, e);
  record(s.write, tid, t, e);
}

void RaceDetector::on_event(const Event& e) {
  if (journal_) undo_.mark();
  const ThreadId tid = e.thread;
  ThreadState& t = thread(tid);
  if (t.loop != kNoObject) enter_loop(tid, t);
  switch (e.op) {
    case Op::kLoad:
      read(tid, t, e);
      return;  // keeps the racy reads that a check may follow
    case Op::kStore:
      write(tid, t, e);
      break;
    case Op::kAtomicLoad:
    case Op::kCasFail:
      if (acquires(e.order)) acquire(t, sync(e.object));
      break;
    case Op::kAtomicStore: {
      // A store heads a release sequence of its own and ends any before it (C++20 [intro.races]):
      // a load that reads it synchronizes with its thread alone, whoever wrote the location
      // before. Only read-modify-writes (below) carry the earlier releases on. ThreadSanitizer's
      // atomic store does the same (ReleaseStore).
      VectorClock& c = sync(e.object);
      if (releases(e.order)) {
        release_store(t, c);
        tick(t, tid);
      } else {
        // A relaxed store publishes nothing, and a load that reads it synchronizes with nobody.
        // (ThreadSanitizer keeps the release before it: a race it misses.)
        keep(c);
        c.clear();
      }
      break;
    }
    case Op::kExchange:
    case Op::kCasOk:
    case Op::kFetchAdd: {
      // A read-modify-write, even a relaxed one, continues the release sequences it extends: the
      // location's clock keeps what earlier releases left, and it adds its own if it releases.
      VectorClock& c = sync(e.object);
      const bool acquired = acquires(e.order);
      if (acquired) acquire(t, c);  // saves t's clock for this call: the tick need not again
      if (releases(e.order)) {
        release(t, c);
        if (acquired) {
          t.clock.tick(tid);
        } else {
          tick(t, tid);
        }
      }
      break;
    }
    case Op::kLock:
      acquire(t, sync(e.object));
      break;
    case Op::kUnlock:
      release_store(t, sync(e.object));
      tick(t, tid);
      break;
    case Op::kWait:
      if (e.aux != kNoObject) release_store(t, sync(e.aux));
      tick(t, tid);
      break;
    case Op::kWake:
      if (e.aux != kNoObject) acquire(t, sync(e.aux));
      // Only the notify that woke it (the event names its step): another waiter's notify, though
      // earlier on the same condition variable, orders nothing here.
      if (NotifyClock* by = notify_at(e.value)) {
        acquire(t, by->clock);
        if (!journal_) --by->left;
      }
      break;
    case Op::kNotifyOne:
    case Op::kNotifyAll:
      // A notify that wakes nobody orders nothing.
      if (e.value > 0) {
        if (!journal_ && notifies_used_ >= compact_at_) {
          drop_spent_notifies();
          compact_at_ = std::max(kCompactAt, 2 * notifies_used_);
        }
        if (notifies_used_ == notifies_.size()) notifies_.emplace_back();  // never saved: may move
        keep(notifies_used_);
        NotifyClock& n = notifies_[notifies_used_++];
        n.step = e.step;
        n.clock = t.clock;  // reuses the slot's storage
        n.left = e.value;
        tick(t, tid);
      }
      break;
    case Op::kJoin: {
      const auto child = static_cast<uint32_t>(e.value);
      if (e.value >= 0 && child < threads_used_ && threads_[child].live) {
        acquire(t, threads_[child].clock);
      }
      break;
    }
    case Op::kCheck:
      if (e.value == 0 && t.recent_count > 0) explain_failed_check(t, e);
      return;
    case Op::kNote:
      return;
    default:  // spawn (handled by on_thread), sleep, yield, await, finish, try_lock failure
      break;
  }
  t.recent_count = 0;
}

}  // namespace interleave
