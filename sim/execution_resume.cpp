// Kept states (ExecutionConfig::resumable): a search run resumes from the state its last run
// had just before the step where the two part, instead of re-running every step before it.
//
// A state is kept at a step the strategy will branch at (Strategy::branches_at): the thread
// that reached it suspends its own context where it is, as a switch would, without leaving its
// fiber (interleave_fiber_keep), and copies what the run has changed so far: the used part of
// every worker's stack (each thread is suspended, so its stack ends at its continuation), the
// run memory (run_memory) and the execution's own bookkeeping. Restoring it
// copies all of that back, to the same addresses, and takes the step the later run is forced to
// take there, resuming the thread it names; the thread that asked returns from keep_state() when
// it is picked.
// Workers that the state does not know (taken after it was kept) are given back to the pool
// without unwinding: everything on their stacks belongs to the run being left.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <utility>

#include "sim/execution.hpp"
#include "sim/fiber_switch.hpp"
#include "sim/internal_check.hpp"

namespace interleave {
namespace {

using fiber_switch::bits_of;
using fiber_switch::set_bits;

/// The part of a suspended worker's stack a kept state copies: from its continuation up to the
/// `fixed` bytes at the top that never change once it runs (Execution::worker_fixed_).
std::size_t used_stack(void* fiber, const boost::context::stack_context& stack, std::size_t fixed) {
  const auto* top = static_cast<const std::byte*>(stack.sp) - fixed;
  const auto* from = static_cast<const std::byte*>(fiber);
  INTERLEAVE_INTERNAL_CHECK(
      from != nullptr && from > static_cast<const std::byte*>(stack.sp) - stack.size && from < top,
      "a suspended worker's continuation outside its stack");
  return static_cast<std::size_t>(top - from);
}

/// Whether an exception is being handled or thrown: its object and the thread's handler chain
/// live outside the stacks, so no state is kept or restored meanwhile.
bool handling_exception() {
  return std::uncaught_exceptions() > 0 || std::current_exception() != nullptr;
}

/// Copies [0, n) of `from` into `to`, which only grows (no zero fill for each state).
void copy_into(std::vector<std::byte>& to, std::size_t at, const void* from, std::size_t n) {
  if (to.size() < at + n) to.resize(at + n);
  std::memcpy(to.data() + at, from, n);
}

/// Steps from one kept state to the next at least: re-running a few forced steps from an
/// earlier state costs less than keeping one more (bench/sim_bench dfs-kept, callgrind: gap 2,
/// 3, 4, 5 took 5,190, 4,987, 4,938, 4,932 instructions per execution).
constexpr uint64_t kKeepGap = 4;
/// All kept states together copy at most this much of stacks, run memory and object records (a
/// model with a big SharedArray keeps fewer states, or none, rather than running out of
/// memory).
constexpr std::size_t kKeptBytesMax = std::size_t{64} << 20;
/// What the stacks of a state may take, guessed before it is kept.
constexpr std::size_t kStacksGuess = 64 * 1024;

}  // namespace

void* Execution::run_memory(std::size_t bytes, std::size_t align) {
  for (;;) {
    if (memory_block_ == memory_.size()) {
      const std::size_t size = std::max(kMemoryBlock, bytes + align);
      memory_.push_back(MemoryBlock{std::make_unique<std::byte[]>(size), size, 0});
    }
    MemoryBlock& b = memory_[memory_block_];
    const auto base = reinterpret_cast<uintptr_t>(b.bytes.get());
    const std::size_t at = (base + b.used + align - 1) / align * align - base;
    if (at + bytes <= b.size) {
      memory_in_use_ += at + bytes - b.used;
      b.used = at + bytes;
      return b.bytes.get() + at;
    }
    if (b.used == 0) {
      // Too small even empty (and so unused, also by kept states): a bigger one in its place.
      const std::size_t size = std::max(kMemoryBlock, bytes + align);
      b = MemoryBlock{std::make_unique<std::byte[]>(size), size, 0};
      continue;
    }
    ++memory_block_;  // invariant: blocks after memory_block_ are unused
  }
}

bool Execution::may_keep() const {
  // (a monitor that is not counted cannot be rewound to the state; a muted one is counted
  // from a step further on)
  return plain_ && random_.empty() && muted_ == nullptr &&
         (sink_ == nullptr || counted_ != nullptr) &&
         kept_bytes_ + memory_in_use_ + objects_.size() * sizeof(ObjectInfo) + kStacksGuess <=
             kKeptBytesMax &&
         !handling_exception();
}

void Execution::drop_last_kept() {
  --kept_count_;
  kept_bytes_ -= kept_[kept_count_].bytes;
}

bool Execution::keep_state() {
#if INTERLEAVE_FIBER_SWITCH
  // (this frame is in the state kept; it holds nothing that a restored run must not find again)
  const fiber_switch::Transfer back = interleave_fiber_keep(this, &keep_here);
  if (back.from == nullptr) {
    if (keep_error_) std::rethrow_exception(std::exchange(keep_error_, nullptr));
    return false;  // kept: this run goes on
  }
  // A later run restored to it, and resumed this thread: whoever switched here recorded itself
  // in from_; keep its continuation (as switch_to does).
  fiber_switch::set_bits(slot(from_), back.from);
  return true;
#else
  return false;  // (never asked: kept states need our switch, resumable_)
#endif
}

void Execution::keep_here(void* self, void* context) noexcept {
  // Called from interleave_fiber_keep: nothing may unwind through it.
  auto* x = static_cast<Execution*>(self);
  boost::context::fiber& ctx = x->threads_[x->current_].ctx;
  set_bits(ctx, context);  // suspended, as far as the copy goes
  try {
    x->save_state();
  } catch (const std::bad_alloc&) {
    x->keeping_ = false;  // no memory for one more state: this run keeps none (it goes on)
  } catch (const std::length_error&) {
    x->keeping_ = false;  // (a vector that cannot grow so far: as above)
  } catch (...) {
    x->keep_error_ = std::current_exception();  // thrown again once back in keep_state()
  }
  set_bits(ctx, nullptr);  // running again
}

void Execution::save_state() {
  while (kept_count_ > 0 && kept_[kept_count_ - 1].step >= step_) drop_last_kept();
  if (kept_count_ == kept_.size()) kept_.emplace_back();
  KeptState& k = kept_[kept_count_];  // live once complete (a bad_alloc leaves it out)
  k.step = step_;
  k.preemptions = preemptions_;
  k.last_visible = last_visible_;
  k.wait_seq = wait_seq_;
  k.failed_checks = failed_checks_total_;
  k.calls = calls_;
  k.findings = findings_->size();
  k.notes = notes_->size();
  k.threads.assign(threads_.begin(), threads_.end());
  k.workers.clear();
  std::size_t at = 0;
  auto keep_worker = [&](int64_t thread, const boost::context::fiber& ctx,
                         const boost::context::stack_context& stack) {
    void* const fiber = bits_of(ctx);
    const std::size_t n = used_stack(fiber, stack, worker_fixed_);
    k.workers.push_back(KeptState::Worker{thread, fiber, stack, at, n});
    copy_into(k.stacks, at, fiber, n);
    at += n;
  };
  for (std::size_t i = 0; i < threads_.size(); ++i) {
    keep_worker(static_cast<int64_t>(i), threads_[i].ctx, threads_[i].stack);
  }
  for (const ParkedWorker& w : idle_) keep_worker(-1, w.ctx, w.stack);
  k.pending.assign(pending_.begin(), pending_.end());
  k.may_block.assign(may_block_.begin(), may_block_.end());
  k.objects.assign(objects_.begin(), objects_.end());
  k.tokens.assign(tokens_.begin(), tokens_.end());
  k.failed_sites.assign(failed_sites_.begin(), failed_sites_.end());
  k.memory_block = memory_block_;
  k.memory_used.clear();
  at = 0;
  for (std::size_t b = 0; b <= memory_block_ && b < memory_.size(); ++b) {
    k.memory_used.push_back(memory_[b].used);
    copy_into(k.memory, at, memory_[b].bytes.get(), memory_[b].used);
    at += memory_[b].used;
  }
  k.bytes = at + k.objects.size() * sizeof(ObjectInfo) + k.threads.size() * sizeof(ThreadInfo);
  for (const KeptState::Worker& w : k.workers) k.bytes += w.size;
  kept_bytes_ += k.bytes;
  ++kept_count_;
  keep_from_ = step_ + kKeepGap;
}

void Execution::forget_worker(boost::context::fiber& ctx, boost::context::stack_context& stack) {
  set_bits(ctx, nullptr);
  pool_->deallocate(stack);
}

void Execution::drop_kept() {
  kept_count_ = 0;
  kept_bytes_ = 0;
  kept_for_ = nullptr;
  if (!threads_left_) return;
  threads_left_ = false;
  std::vector<Finding> unheard;  // the last run's result is out: nothing found now counts
  findings_ = &unheard;
  unwind_threads();
  findings_ = nullptr;
}

uint32_t Execution::resume_kept(Strategy& strategy, Monitor* monitor, RunResult& out) {
  if (kept_count_ == 0) return kNotResumed;
  if (!threads_left_ || kept_for_ != &out || handling_exception()) return kNotResumed;
  // The steps this run shares with the last one: a state kept before one of them fits.
  // (kept states are on one path: where one fits, those before it do too)
  const std::span<const ThreadId> planned = strategy.planned_prefix();
  const uint64_t limit = std::min<uint64_t>(planned.size(), schedule_.size());
  while (kept_count_ > 0) {
    const uint64_t step = kept_[kept_count_ - 1].step;
    if (step <= limit &&
        std::memcmp(planned.data(), schedule_.data(), step * sizeof(ThreadId)) == 0) {
      break;
    }
    drop_last_kept();
  }
  if (kept_count_ == 0) return kNotResumed;
  const KeptState& k = kept_[kept_count_ - 1];
  // The runner takes a forced step on resuming it; the findings and notes then are still the
  // first ones of the result.
  const std::span<const ThreadId> forced = strategy.forced_prefix();
  if (k.step >= std::min<uint64_t>(forced.size(), config_.step_limit) ||
      out.findings.size() < k.findings || out.notes.size() < k.notes) {
    return kNotResumed;
  }
  if (monitor != nullptr &&
      (monitor != heard_last_ || !strategy.repeats_prefixes() || !monitor->rewind(k.calls))) {
    return kNotResumed;
  }

  // (still watched since the last run: it left its threads)
  take_back_findings(out.findings, k.findings);
  out.notes.erase(out.notes.begin() + static_cast<std::ptrdiff_t>(k.notes), out.notes.end());
  begin_run_state(strategy, monitor, out);
  keeping_ = true;
  counted_ = monitor;
  calls_ = k.calls;
  if (calls_before_.size() > k.step) calls_before_.resize(k.step);
  preemptions_ = k.preemptions;
  last_visible_ = k.last_visible;
  wait_seq_ = k.wait_seq;
  failed_checks_total_ = k.failed_checks;

  // Workers: those the state knows go back to where it had them, with its stacks; the others
  // were taken since and belong to the run being left.
  auto known = [&k](const boost::context::stack_context& stack) {
    for (const KeptState::Worker& w : k.workers) {
      if (w.stack.sp == stack.sp) return true;
    }
    return false;
  };
  for (ThreadState& t : threads_) {
    if (known(t.stack)) {
      set_bits(t.ctx, nullptr);
    } else if (bits_of(t.ctx) != nullptr) {
      forget_worker(t.ctx, t.stack);
    }
  }
  for (ParkedWorker& w : idle_) {
    if (known(w.stack)) {
      set_bits(w.ctx, nullptr);
    } else {
      forget_worker(w.ctx, w.stack);
    }
  }
  idle_.clear();
  threads_.erase(threads_.begin() + static_cast<std::ptrdiff_t>(k.threads.size()), threads_.end());
  for (std::size_t i = 0; i < threads_.size(); ++i) {
    static_cast<ThreadInfo&>(threads_[i]) = k.threads[i];
  }
  for (const KeptState::Worker& w : k.workers) {
    boost::context::fiber* ctx = nullptr;
    if (w.thread >= 0) {
      ThreadState& t = threads_[static_cast<std::size_t>(w.thread)];
      t.stack = w.stack;
      ctx = &t.ctx;
    } else {
      idle_.push_back(ParkedWorker{{}, {}, w.stack});
      ctx = &idle_.back().ctx;
    }
    set_bits(*ctx, w.fiber);
    std::memcpy(w.fiber, k.stacks.data() + w.offset, w.size);
  }
  pending_.assign(k.pending.begin(), k.pending.end());
  may_block_.assign(k.may_block.begin(), k.may_block.end());
  objects_.assign(k.objects.begin(), k.objects.end());
  if (!tokens_.empty() || !k.tokens.empty()) tokens_.assign(k.tokens.begin(), k.tokens.end());
  if (!failed_sites_.empty() || !k.failed_sites.empty()) {
    failed_sites_.assign(k.failed_sites.begin(), k.failed_sites.end());
  }
  std::size_t at = 0;
  for (std::size_t b = 0; b < memory_.size(); ++b) {
    if (b < k.memory_used.size()) {
      memory_[b].used = k.memory_used[b];
      std::memcpy(memory_[b].bytes.get(), k.memory.data() + at, k.memory_used[b]);
      at += k.memory_used[b];
    } else {
      memory_[b].used = 0;
    }
  }
  memory_block_ = k.memory_block;
  memory_in_use_ = at;

  schedule_.resize(k.step);
  if (record_outcomes_) outcomes_.resize(k.step);
  step_ = k.step;
  timed_ = false;
  has_loops_ = false;
  plain_ = true;
  threads_left_ = false;
  kept_for_ = nullptr;
  keep_from_ = k.step + kKeepGap;
  ++restores_;
  // The step the thread that kept the state was to take: the runner takes it in its place and
  // resumes the thread it names, one switch instead of two. The one that kept it returns from
  // keep_state() only once it is picked (or its worker given a new thread), in this run or later.
  return resume_step();
}

}  // namespace interleave
