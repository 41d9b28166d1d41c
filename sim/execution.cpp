// One run of a model: the scheduling loop, fiber switches and simulated sync objects.
#include "sim/execution.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "sim/fiber_switch.hpp"
#include "sim/internal_check.hpp"

namespace interleave {
namespace {

bool yields(Op op) {
  return op == Op::kYield || op == Op::kSleep || op == Op::kAwait;
}

std::string where(Loc loc) {
  return std::string(loc.file) + ":" + std::to_string(loc.line);
}

}  // namespace

Execution::Execution(StackPool& pool, ExecutionConfig config)
    : pool_(&pool), config_(config), resumable_(config.resumable && INTERLEAVE_FIBER_SWITCH) {
  threads_.reserve(16);
  objects_.reserve(64);
  schedule_.reserve(1024);
}

Execution::~Execution() {
  drop_kept();  // the last run's threads, if it left them
  unwatch_stack_overflows(this);
  unwinding_ = true;
  plain_ = false;
  // Unwinds the parked workers while this object is whole.
  fiber_sanitizer::adopt_current(main_san_);
  for (ParkedWorker& w : idle_) fiber_sanitizer::destroy(&main_san_, w.san, std::move(w.ctx));
  idle_.clear();
}

uint32_t Execution::register_thread(const char* name, ObjectId loop) {
  const auto index = static_cast<uint32_t>(threads_.size());
  ThreadState& t = threads_.emplace_back();
  pending_.emplace_back();
  may_block_.push_back(1);
  if (enabled_.size() < threads_.size()) enabled_.resize(threads_.size());
  t.name = name;
  t.parent = current_;
  t.loop = loop;
  if (sink_ != nullptr) {
    if (counted_ != nullptr) count_call();
    sink_->on_thread(ThreadId{index}, name, current_ == kMainSlot ? kNoThread : ThreadId{current_},
                     loop);
  }
  return index;
}

void Execution::take_worker(uint32_t index) {
  ThreadState& t = threads_[index];
  if (!idle_.empty()) {
    t.ctx = std::move(idle_.back().ctx);
    t.san = std::move(idle_.back().san);
    t.stack = idle_.back().stack;
    idle_.pop_back();
    return;
  }
  boost::context::stack_context stack = pool_->allocate();
  t.stack = stack;
  t.san = fiber_sanitizer::Handle(stack);
  t.ctx = fiber_sanitizer::construct(sanitizer(current_), t.san, [&] {
    return boost::context::fiber(
        std::allocator_arg, boost::context::preallocated(stack.sp, stack.size, stack),
        pool_->allocator(),
        [this](boost::context::fiber&& from) { return worker_loop(std::move(from)); });
  });
}

boost::context::fiber Execution::worker_loop(boost::context::fiber&& from) {
  fiber_sanitizer::land(sanitizer(current_), sanitizer(from_));
  enter_thread(std::move(from));
  // Everything above this frame (the frame address, with the return address and saved frame
  // pointer over it) belongs to callers that never run again while this loop does. That holds
  // where a function's locals and saved registers lie below its frame address (x86-64 System V);
  // elsewhere kept states copy whole stacks.
  std::size_t fixed = 0;
#if defined(__x86_64__) && !defined(_WIN32)
  const boost::context::stack_context& stack = threads_[current_].stack;
  const auto* top = static_cast<const std::byte*>(stack.sp);
  const auto* frame = static_cast<const std::byte*>(__builtin_frame_address(0));
  if (frame < top && frame > top - stack.size) fixed = static_cast<std::size_t>(top - frame);
#endif
  worker_fixed_ = worker_entered_ ? std::min(worker_fixed_, fixed) : fixed;
  worker_entered_ = true;
  for (;;) {
    const Assignment a = assignment_;
    a.run(this, a.index, a.body);
    // Park: whoever runs next keeps this worker's continuation in the finished thread's slot,
    // and teardown moves it to idle_. A later spawn resumes it right here.
    // (from a later run restored to a state this thread kept, its worker may resume here as
    // another thread already: choose() then returns that one)
    const uint32_t next = finish_thread(a.index);
    if (next != current_) switch_to(next);
  }
}

void Execution::watch_this_run() {
  // A model thread that overflows its stack is named in the report, read from a signal handler:
  // the thread running when it faults, a stable string; none while the runner's stack runs.
  watch_stack_overflows(OverflowContext{
      [](const void* x) -> const char* {
        const auto* self = static_cast<const Execution*>(x);
        return self->current_ < self->threads_.size() ? self->threads_[self->current_].name
                                                      : nullptr;
      },
      [](const void* x) { return static_cast<const Execution*>(x)->step_; },
      [](const void* x, std::size_t* size) -> const ThreadId* {
        const auto* self = static_cast<const Execution*>(x);
        *size = self->schedule_.size();
        return self->timed_ ? nullptr : self->schedule_.data();
      },
      [](const void* x, std::size_t* size) -> const uint64_t* {
        const auto* self = static_cast<const Execution*>(x);
        *size = self->random_.size();
        return self->random_.data();
      },
      this});
}

void Execution::begin_run_state(Strategy& strategy, EventSink* sink, RunResult& out) {
  findings_ = &out.findings;
  notes_ = &out.notes;
  strategy_ = &strategy;
  sink_ = sink;
  listened_ = sink != nullptr;
  passing_checks_ = sink != nullptr && sink->wants_passing_checks();
  counted_ = nullptr;
  heard_last_ = nullptr;
  muted_ = nullptr;
  unmute_at_ = kNever;
  first_random_step_ = kNever;
  current_ = kMainSlot;
  from_ = kMainSlot;
  fiber_sanitizer::adopt_current(main_san_);
  unwinding_ = false;
  status_ = RunStatus::kCompleted;
  abandon_reason_.clear();
  decision_steps_.clear();
  random_.clear();
  now_ = 0;
  gil_holder_ = kNoThread;
  gil_since_ = 0;
  record_outcomes_ = strategy.wants_outcomes();
  asks_alone_ = strategy.asks_when_alone();
  alone_ = kNobody;
  forced_ = strategy.forced_prefix();
  forced_end_ = std::min<uint64_t>(forced_.size(), config_.step_limit);
  keeping_ = false;
}

void Execution::reset(Strategy& strategy, EventSink* sink, RunResult& out) {
  watch_this_run();
  take_back_findings(out.findings, 0);  // keeps its capacity when the caller reuses `out`
  out.notes.clear();
  begin_run_state(strategy, sink, out);
  preemptions_ = 0;
  last_visible_ = kNoThread;
  wait_seq_ = 0;
  threads_.clear();
  tokens_.clear();
  pending_.clear();
  may_block_.clear();
  has_loops_ = false;
  objects_.clear();
  schedule_.clear();
  step_ = 0;
  timed_ = config_.timing.timed;
  failed_checks_total_ = 0;
  plain_ = !timed_;
  outcomes_.clear();
  failed_sites_.clear();
  for (std::size_t b = 0; b <= memory_block_ && b < memory_.size(); ++b) memory_[b].used = 0;
  memory_block_ = 0;
  memory_in_use_ = 0;
  keep_from_ = 0;
}

uint64_t Execution::repeated_steps(const Strategy& strategy, const Monitor* monitor) const {
  if (monitor == nullptr || monitor != heard_last_ || config_.timing.timed) return 0;
  const std::span<const ThreadId> planned = strategy.planned_prefix();
  uint64_t limit = std::min<uint64_t>(planned.size(), schedule_.size());
  // What follows a random value depends on it: the last run's value may not be this run's.
  if (first_random_step_ != kNever) {
    limit = std::min(limit, first_random_step_ == 0 ? 0 : first_random_step_ - 1);
  }
  uint64_t n = 0;
  while (n < limit && planned[n] == schedule_[n]) ++n;
  return n;
}

void Execution::begin_monitor(Monitor* monitor, const Strategy& strategy, uint64_t repeated) {
  if (monitor == nullptr) return;
  if (!strategy.repeats_prefixes()) {
    monitor->begin_run();
    return;
  }
  counted_ = monitor;
  // invariant of the last run (heard_last_): calls_before_ covers every step it took.
  if (repeated > 0 && monitor->rewind(calls_before_[repeated])) {
    calls_ = calls_before_[repeated];
    calls_before_.resize(repeated + 1);
    muted_ = monitor;
    sink_ = nullptr;
    passing_checks_ = false;
    unmute_at_ = repeated;
    forced_end_ = std::min(forced_end_, repeated);  // point()'s short path stops before it
    return;
  }
  monitor->begin_rewindable_run();
  calls_ = 0;
  calls_before_.clear();
}

void Execution::stop_muting() {
  sink_ = muted_;
  muted_ = nullptr;
  unmute_at_ = kNever;
  passing_checks_ = sink_->wants_passing_checks();
  forced_end_ = std::min<uint64_t>(forced_.size(), config_.step_limit);
}

void Execution::teardown(RunResult& out) {
  if (kept_count_ > 0) {
    // Later runs may resume from this one's kept states: its threads stay as they are until
    // then (drop_kept() unwinds them if no run does).
    threads_left_ = true;
    kept_for_ = &out;
  } else {
    unwind_threads();
  }
  finish(out);
}

void Execution::unwind_threads() {
  // Unwind unfinished threads, children first: they may refer to their parents' locals.
  unwinding_ = true;
  plain_ = false;
  for (size_t i = threads_.size(); i-- > 0;) {
    boost::context::fiber worker = std::move(threads_[i].ctx);
    if (threads_[i].finished && worker) {
      // parked: ready for the next run
      idle_.push_back(
          ParkedWorker{std::move(worker), std::move(threads_[i].san), threads_[i].stack});
    } else {
      // Destroying it unwinds the unfinished thread's stack and returns here.
      fiber_sanitizer::destroy(&main_san_, threads_[i].san, std::move(worker));
    }
  }
}

void Execution::finish(RunResult& out) {
  out.status = status_;
  out.steps = step_;
  out.failed_checks = failed_checks_total_;
  out.end_time_ns = now_;
  out.preemptions = preemptions_;
  out.abandon_reason = std::move(abandon_reason_);
  findings_ = nullptr;
  if (muted_ != nullptr) {
    // The run ended within the steps it was to repeat: not the last run's steps after all (a
    // model that is not deterministic). Its monitor is not rewound again from it.
    sink_ = muted_;
    muted_ = nullptr;
    unmute_at_ = kNever;
  } else if (counted_ != nullptr) {
    while (calls_before_.size() <= step_) calls_before_.push_back(calls_);
    heard_last_ = counted_;
  }
  // (a run whose threads are left for kept states stays watched: the next one resumes it)
  if (!threads_left_) unwatch_stack_overflows(this);
}

// (a call of its own, never inlined into its callers: ThreadSanitizer's record of a fiber's calls
// breaks when the switch is made inside one of them, and it crashes)
void Execution::switch_to(uint32_t next) {
  from_ = current_;
  current_ = next;
  // If this fiber is destroyed instead of resumed, its stack unwinds from here and it leaves for
  // the runner's stack for good.
#if INTERLEAVE_FIBER_SWITCH  // (fiber_switch.hpp)
  boost::context::fiber& to = slot(next);
  void* const bits = fiber_switch::bits_of(to);
  fiber_switch::set_bits(to, nullptr);  // it runs now (as resume() leaves a fiber)
  const fiber_switch::Transfer back = interleave_fiber_switch(bits, nullptr);
  // Resumed: whoever switched here recorded itself in from_; keep its continuation.
  fiber_switch::set_bits(slot(from_), back.from);
#else
  // Boost's switch, and the sanitizers told of it (nothing without them).
  fiber_sanitizer::Switch annotate(sanitizer(from_), sanitizer(next), &main_san_);
  boost::context::fiber back = std::move(slot(next)).resume();
  annotate.landed(sanitizer(from_));
  // Resumed: whoever switched here recorded itself in from_; keep its continuation.
  slot(from_) = std::move(back);
#endif
}

[[gnu::always_inline]] inline uint32_t Execution::take_step(uint32_t next) {
  if (step_ == unmute_at_) [[unlikely]]
    stop_muting();  // this step is the first one of this run's own
  // A preemption: a visible step by another thread while the thread that ran the last visible
  // step could have gone on with a visible one. Invisible steps (sleep, yield, spawn, join)
  // commute with everything and never count.
  if (ThreadId{next} != last_visible_ && !is_invisible(pending_[next])) {
    if (last_visible_ != kNoThread) {
      const uint32_t last = to_index(last_visible_);
      if (enabled(last) && !is_invisible(pending_[last]) && !gives_loop_back(pending_[last])) {
        ++preemptions_;
      }
    }
    last_visible_ = ThreadId{next};
  }
  if (has_loops_) {
    const ObjectId loop = threads_[next].loop;
    if (loop != kNoObject) object(loop).holder = ThreadId{next};
  }
  schedule_.push_back(ThreadId{next});
  ++step_;
  if (record_outcomes_) outcomes_.push_back(pending_[next].op);  // emit() refines it
  return next;
}

[[gnu::always_inline]] inline uint32_t Execution::forced_step() {
  const uint32_t next = to_index(forced_[step_]);
  if (next < threads_.size() && enabled(next)) [[likely]] {
    return take_step(next);
  }
  return forced_misfit();
}

uint32_t Execution::resume_step() {
  return forced_step();
}

uint32_t Execution::forced_misfit() {
  // The strategy's prefix does not fit this run: abandoned, as a bad pick() is.
  const ThreadId pick = forced_[step_];
  forced_ = {};
  forced_end_ = 0;
  uint32_t n = 0;
  for (uint32_t i = 0; i < threads_.size(); ++i) {
    if (enabled(i)) enabled_[n++] = ThreadId{i};
  }
  return abandon(pick, std::span<const ThreadId>(enabled_.data(), n));
}

void Execution::point_decide(const PendingOp& op, Loc loc) {
  const uint32_t self = current_;
  if (plain_) [[likely]] {
    // The short path of an untimed run without event loops: most steps of a search.
    ThreadState& t = threads_[self];
    pending_[self] = op;
    // (a join of a thread that has finished cannot block: finish_thread clears it for the others)
    may_block_[self] = blocks(op.op) && !(op.op == Op::kJoin && threads_[op.arg].finished);
    t.pending_loc = loc;
    if (!t.starting) [[likely]] {
      const uint32_t next = step_ < forced_end_ ? forced_step() : choose(self);
      if (next != self) switch_to(next);
      return;
    }
  }
  point_slow(op, loc);
}

void Execution::point_slow(const PendingOp& op, Loc loc) {
  if (unwinding_) return;
  const uint32_t self = current_;
  ThreadState& t = threads_[self];
  pending_[self] = op;
  may_block_[self] = blocks(op.op) || t.loop != kNoObject || timed_;
  if (timed_) {
    t.ready_at = now_;
    if (op.op == Op::kLock) t.lock_seq = ++lock_seq_;
  }
  t.pending_loc = loc;
  if (t.loop != kNoObject && gives_loop_back(op)) {
    // An await gives the loop back, but only the task holding it can (a new task's first
    // announcement happens while its spawner's task may still be running).
    ObjectInfo& loop = object(t.loop);
    if (loop.holder == ThreadId{self}) loop.holder = kNoThread;
  }
  if (t.starting) {
    t.starting = false;
    if (t.loop != kNoObject && !timed_ && !gives_loop_back(op)) {
      // A task starts when its loop first runs it, a step of its own (an await): then, as in
      // asyncio, an operation that blocks (a mutex another thread holds) blocks the loop too.
      pending_[self] = PendingOp{Op::kAwait, t.loop};
      switch_to(t.parent);  // back to the spawner; we resume when picked, holding the loop
      emit(Op::kAwait, t.loop, 0, loc);
      point(op, loc);
      return;
    }
    switch_to(t.parent);  // back to the spawner; we resume when picked
    return;
  }
  const uint32_t next = choose(self);
  if (next != self) switch_to(next);
}

bool Execution::enabled_slow(uint32_t index) const {
  if (timed_) return timed_enabled(index);
  const ThreadState& t = threads_[index];
  if (t.finished) return false;
  if (t.loop != kNoObject) {
    const ThreadId running = objects_[to_index(t.loop)].holder;
    if (running != kNoThread && running != ThreadId{index}) return false;
  }
  const PendingOp& p = pending_[index];
  switch (p.op) {
    case Op::kLock:
      return objects_[to_index(p.object)].holder == kNoThread;
    case Op::kJoin:
      return threads_[p.arg].finished;
    case Op::kWake:
      return (t.notified || wakeup_for(index) != tokens_.size()) &&
             objects_[to_index(p.aux)].holder == kNoThread;
    default:
      return true;
  }
}

uint32_t Execution::choose(uint32_t self) {
  alone_ = kNobody;
  if (timed_) return choose_timed(self);
  if (step_ >= config_.step_limit) [[unlikely]] {
    return stop_at_step_limit();
  }
  const auto count = static_cast<uint32_t>(threads_.size());
  if (step_ < forced_.size()) return forced_step();
  // One pass over the threads: the enabled set and whether `self` is in it.
  ThreadId* runnable = enabled_.data();
  uint32_t n = 0;
  bool self_enabled = false;
  for (uint32_t i = 0; i < count; ++i) {
    if (!enabled(i)) continue;
    runnable[n++] = ThreadId{i};
    self_enabled |= i == self;
  }
  if (n == 0) [[unlikely]] {
    return stop_without_enabled();
  }
  uint32_t next = to_index(runnable[0]);
  // (no choice where one thread alone can run: a strategy that need not hear of it reads the
  // schedule later)
  if (n > 1 || asks_alone_) {
    const bool yielding = self_enabled && yields(pending_[self].op);
    const ChoicePoint point{step_,
                            std::span<const ThreadId>(runnable, n),
                            ThreadId{self},
                            yielding,
                            pending_,
                            outcomes_,
                            std::span<const ThreadId>(schedule_.data(), step_),
                            last_visible_};
    const ThreadId pick = strategy_->pick(point);
    next = to_index(pick);
    if (next >= count || !enabled(next)) [[unlikely]] {
      if (pick == kPruneRun) {
        status_ = RunStatus::kPruned;
        return kMainSlot;
      }
      return abandon(pick, point.enabled);
    }
    // (a strategy can only come back to try another thread where there is one)
    if (keeping_ && n > 1 && step_ >= keep_from_ && strategy_->branches_at(step_) && may_keep())
        [[unlikely]] {
      // A later run takes another option here: keep the state before this step for it.
      if (keep_state()) return current_;  // resumed in a later run: picked there (see keep_state)
    }
  }
  take_step(next);
  // Alone, and its step cannot enable another thread: point() takes its next memory operation
  // without asking (not while the monitor is still deaf to repeated steps: take_step() ends
  // that, at unmute_at_).
  if (n == 1 && next == self && !asks_alone_ && is_memory_op(pending_[self].op) &&
      unmute_at_ == kNever) {
    alone_ = self;
  }
  return next;
}

uint32_t Execution::stop_at_step_limit() {
  status_ = RunStatus::kStepLimit;
  add_finding(Finding{FindingKind::kStepLimit,
                      "no end after " + std::to_string(config_.step_limit) +
                          " steps: the model may never terminate (raise --max-steps if it does)",
                      step_,
                      "step_limit",
                      {}});
  return kMainSlot;
}

uint32_t Execution::stop_without_enabled() {
  for (const ThreadState& t : threads_) {
    if (!t.finished) {
      status_ = RunStatus::kDeadlock;
      report_deadlock();
      break;
    }
  }
  return kMainSlot;
}

uint32_t Execution::abandon(ThreadId pick, std::span<const ThreadId> enabled) {
  status_ = RunStatus::kAbandoned;
  if (!abandon_reason_.empty()) return kMainSlot;
  std::string names;
  for (ThreadId e : enabled) names += (names.empty() ? "" : ", ") + std::to_string(to_index(e));
  abandon_reason_ =
      pick == kNoThread
          ? "the schedule ends at step " + std::to_string(step_) + " but threads are still running"
          : "step " + std::to_string(step_) + " names thread " + std::to_string(to_index(pick)) +
                (to_index(pick) < threads_.size()
                     ? ", which is not enabled there (enabled: " + names + ")"
                     : ", which does not exist there (threads 0 to " +
                           std::to_string(threads_.size() - 1) + "; enabled: " + names + ")");
  return kMainSlot;
}

[[noreturn]] void Execution::end_from_thread(RunStatus status) {
  status_ = status;
  switch_to(kMainSlot);
  // Never resumed normally: teardown destroys this fiber, which unwinds from the line above.
  INTERLEAVE_INTERNAL_CHECK(false, "a thread resumed after its run ended");
}

uint32_t Execution::finish_thread(uint32_t self) {
  ThreadState& t = threads_[self];
  t.finished = true;
  pending_[self] = PendingOp{Op::kFinish};
  may_block_[self] = kFinished;
  if (plain_) {
    // Its joiners can go on now, whatever happens: enabled() need not look again.
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      if (pending_[i].op == Op::kJoin && pending_[i].arg == self && may_block_[i] == 1) {
        may_block_[i] = 0;
      }
    }
  }
  // (a task that never announced anything never held its loop: its spawner may hold it)
  if (t.loop != kNoObject && object(t.loop).holder == ThreadId{self}) {
    object(t.loop).holder = kNoThread;
  }
  emit(Op::kFinish, kNoObject, 0, Loc{});
  if (t.starting) {  // it never announced anything: hand back to its spawner
    t.starting = false;
    return t.parent;
  }
  return choose(self);
}

void Execution::thread_threw(uint32_t self, const std::string& what) {
  const char* name = threads_[self].name;
  add_finding(Finding{FindingKind::kException,
                      std::string("thread '") + name + "' threw: " + what,
                      current_step(),
                      std::string("exception|") + name + "|" + what,
                      {}});
}

void Execution::take_back_findings(std::vector<Finding>& findings, std::size_t from) {
  constexpr std::size_t kSpares = 8;
  for (std::size_t i = from; i < findings.size() && spare_findings_.size() < kSpares; ++i) {
    spare_findings_.push_back(std::move(findings[i]));
  }
  findings.erase(findings.begin() + static_cast<std::ptrdiff_t>(from), findings.end());
}

void Execution::add_finding(Finding finding) {
  for (const Finding& f : *findings_) {
    if (f.key() == finding.key()) return;  // once per run; runs count repeats
  }
  findings_->push_back(std::move(finding));
}

void Execution::report_deadlock() {
  Finding f;
  f.kind = FindingKind::kDeadlock;
  f.step = step_;
  std::vector<std::string> parts;
  for (uint32_t i = 0; i < threads_.size(); ++i) {
    const ThreadState& t = threads_[i];
    if (t.finished) continue;
    std::string what;
    const PendingOp& p = pending_[i];
    if (p.op == Op::kLock) {
      const ObjectInfo& m = objects_[to_index(p.object)];
      what = "waits to lock '" + location_label(m.name, m.index) + "'";
      if (m.holder != kNoThread) what += std::string(" held by '") + thread_name(m.holder) + "'";
    } else if (p.op == Op::kJoin) {
      what = std::string("waits to join '") + threads_[p.arg].name + "'";
    } else if (p.op == Op::kWake) {
      const ObjectInfo& cv = objects_[to_index(p.object)];
      const ObjectInfo& m = objects_[to_index(p.aux)];
      what = t.notified || wakeup_for(i) != tokens_.size()
                 ? "was notified on '" + location_label(cv.name, cv.index) +
                       "' but waits to re-lock '" + location_label(m.name, m.index) + "'"
                 : "waits on condition variable '" + location_label(cv.name, cv.index) + "'";
    } else {
      what = std::string("waits at ") + std::string(op_name(p.op));
    }
    f.details.push_back(std::string("thread '") + t.name + "' " + what + " at " +
                        where(t.pending_loc));
    parts.push_back(std::string(t.name) + "@" + where(t.pending_loc));
  }
  std::sort(parts.begin(), parts.end());
  f.message = std::to_string(f.details.size()) + " thread" + (f.details.size() == 1 ? "" : "s") +
              " blocked forever, none can run";
  f.signature = "deadlock";
  for (const std::string& p : parts) f.signature += "|" + p;
  add_finding(std::move(f));
}

void Execution::emit_slow(Op op, ObjectId object_id, int64_t value, Loc loc, ObjectId aux,
                          std::memory_order order) {
  Event e;
  e.step = current_step();
  e.thread = ThreadId{current_};
  e.op = op;
  e.object = object_id;
  if (object_id != kNoObject) {
    const ObjectInfo& info = objects_[to_index(object_id)];
    e.name = info.name;
    e.index = info.index;
  }
  e.value = value;
  e.aux = aux;
  e.order = order;
  e.loc = loc;
  e.time_ns = now_;
  if (counted_ != nullptr) count_call();
  sink_->on_event(e);
}

void Execution::emit_named(Op op, const char* name, int64_t value, Loc loc) {
  if (sink_ == nullptr || unwinding_) return;
  Event e;
  e.step = current_step();
  e.thread = ThreadId{current_};
  e.op = op;
  e.name = name;
  e.value = value;
  e.loc = loc;
  e.time_ns = now_;
  if (counted_ != nullptr) count_call();
  sink_->on_event(e);
}

ObjectId Execution::add_object(ObjectKind kind, const char* name, int32_t index) {
  const ObjectId id{static_cast<uint32_t>(objects_.size())};
  has_loops_ |= kind == ObjectKind::kLoop;
  if (has_loops_) plain_ = false;
  objects_.push_back(ObjectInfo{kind, index, name, kNoThread});
  return id;
}

ObjectId Execution::add_array(const char* name, uint32_t count) {
  const ObjectId first{static_cast<uint32_t>(objects_.size())};
  for (uint32_t i = 0; i < count; ++i) {
    objects_.push_back(ObjectInfo{ObjectKind::kLocation, static_cast<int32_t>(i), name, kNoThread});
  }
  return first;
}

void Execution::join(ThreadId thread, Loc loc) {
  point(PendingOp{Op::kJoin, kNoObject, kNoObject, to_index(thread)}, loc);
  emit(Op::kJoin, kNoObject, to_index(thread), loc);
}

void Execution::lock(ObjectId mutex, Loc loc) {
  point(PendingOp{Op::kLock, mutex}, loc);
  if (unwinding_) return;
  ObjectInfo& m = object(mutex);
  m.holder = current();
  m.grant_to = kNoThread;  // taken: by the woken waiter, or back by a barging thread
  emit(Op::kLock, mutex, 0, loc);
}

bool Execution::try_lock(ObjectId mutex, Loc loc) {
  point(PendingOp{Op::kTryLockFail, mutex}, loc);
  if (unwinding_) return false;
  ObjectInfo& m = object(mutex);
  if (m.holder != kNoThread) {
    emit(Op::kTryLockFail, mutex, 0, loc);
    return false;
  }
  m.holder = current();
  m.grant_to = kNoThread;
  emit(Op::kLock, mutex, 0, loc);
  return true;
}

void Execution::unlock(ObjectId mutex, Loc loc) {
  point(PendingOp{Op::kUnlock, mutex}, loc);
  if (unwinding_) return;
  ObjectInfo& m = object(mutex);
  if (m.holder != current()) {
    misuse(std::string("unlock of mutex '") + m.name + "' that thread '" + thread_name(current()) +
               "' does not hold",
           loc);
    if (record_outcomes_) outcomes_.back() = Op::kYield;  // it did nothing: no release
    return;
  }
  m.holder = kNoThread;
  if (timed_) grant_on_unlock(mutex);
  emit(Op::kUnlock, mutex, 0, loc);
}

void Execution::wait(ObjectId condvar, ObjectId mutex, Loc loc) {
  point(PendingOp{Op::kWait, condvar, mutex}, loc);
  if (unwinding_) return;
  ObjectInfo& m = object(mutex);
  if (m.holder != current()) {
    misuse(std::string("wait on '") + object(condvar).name + "' without holding mutex '" + m.name +
               "'",
           loc);
    if (record_outcomes_) outcomes_.back() = Op::kYield;  // it did nothing: no wait to replay
    return;
  }
  m.holder = kNoThread;
  if (timed_) grant_on_unlock(mutex);
  ThreadState& t = threads_[current_];
  t.waiting_on = condvar;
  t.notified = false;
  t.wait_seq = ++wait_seq_;
  emit(Op::kWait, condvar, 0, loc, mutex);
  // Second half: enabled once notified and the mutex is free again.
  point(PendingOp{Op::kWake, condvar, mutex}, loc);
  if (unwinding_) return;
  ThreadState& woken = threads_[current_];
  int64_t by = woken.notified_at;
  if (!woken.notified) {
    // Woken by a notify_one's wake-up: the oldest one issued since it began to wait.
    const std::size_t k = wakeup_for(current_);
    by = static_cast<int64_t>(tokens_[k].step);
    tokens_.erase(tokens_.begin() + static_cast<std::ptrdiff_t>(k));
  }
  woken.waiting_on = kNoObject;
  woken.notified = false;
  object(mutex).holder = current();
  object(mutex).grant_to = kNoThread;
  emit(Op::kWake, condvar, by, loc, mutex);
}

std::size_t Execution::wakeup_for(uint32_t waiter) const {
  const ThreadState& t = threads_[waiter];
  for (std::size_t k = 0; k < tokens_.size(); ++k) {
    if (tokens_[k].condvar == t.waiting_on && tokens_[k].seq > t.wait_seq) return k;
  }
  return tokens_.size();
}

void Execution::notify(ObjectId condvar, bool all, Loc loc) {
  point(PendingOp{all ? Op::kNotifyAll : Op::kNotifyOne, condvar}, loc);
  if (unwinding_) return;
  int64_t woken = 0;
  uint32_t oldest = kMainSlot;
  uint64_t unserved = 0;  // waiters neither notified nor with a wake-up they may take
  for (uint32_t i = 0; i < threads_.size(); ++i) {
    ThreadState& t = threads_[i];
    if (t.waiting_on != condvar || t.notified) continue;
    ++unserved;
    if (all) {
      t.notified = true;
      t.notified_at = current_step();
      ++woken;
    } else if (oldest == kMainSlot || t.wait_seq < threads_[oldest].wait_seq) {
      oldest = i;
    }
  }
  if (all) {
    std::erase_if(tokens_, [condvar](const Wakeup& w) { return w.condvar == condvar; });
  } else if (timed_) {
    // A timed run wakes the longest waiter: deterministic, and fair like most OSes.
    if (oldest != kMainSlot) {
      threads_[oldest].notified = true;
      threads_[oldest].notified_at = current_step();
      woken = 1;
    }
  } else {
    // Any waiter may be the one woken, as in C++: the notify leaves a wake-up that whichever of
    // its waiters runs first takes, so the choice is the scheduler's (a search tries each).
    for (const Wakeup& w : tokens_) unserved -= w.condvar == condvar ? 1 : 0;
    if (unserved > 0) {
      tokens_.push_back(Wakeup{condvar, ++wait_seq_, current_step()});
      woken = 1;
    }
  }
  emit(all ? Op::kNotifyAll : Op::kNotifyOne, condvar, woken, loc);
}

void Execution::sleep(int64_t nanos, Loc loc, bool awaits) {
  const ObjectId loop = awaits ? threads_[current_].loop : kNoObject;
  if (timed_) {
    sleep_timed(nanos, loc, loop);
    return;
  }
  // A task's await names its loop, which it gives back.
  point(PendingOp{Op::kSleep, loop}, loc);
  emit(Op::kSleep, loop, nanos, loc);
}

void Execution::yield(Loc loc) {
  // (in a task, a yield of the thread, not an await: the loop stays with it)
  point(PendingOp{Op::kYield}, loc);
  emit(Op::kYield, kNoObject, 0, loc);
}

void Execution::await(Loc loc) {
  const ThreadState& t = threads_[current_];
  point(PendingOp{Op::kAwait, t.loop}, loc);
  emit(Op::kAwait, threads_[current_].loop, 0, loc);
}

void Execution::check_slow(bool holds, const char* message, Loc loc) {
  if (unwinding_) return;
  if (sink_ != nullptr && (!holds || passing_checks_)) {
    emit_named(Op::kCheck, message, holds ? 1 : 0, loc);
  }
  if (holds) [[likely]]
    return;
  ++failed_checks_total_;
  // A check site's message names only the check and its location: stable across runs, so it is
  // built once and serves as the bug's key. Sites are compared by contents, not pointers: a
  // model may build its message at run time.
  uint32_t site = 0;
  while (site < check_sites_.size()) {
    const CheckSite& c = check_sites_[site];
    if (c.line == loc.line && c.file == loc.file && c.message == message) break;
    ++site;
  }
  if (site == check_sites_.size()) {
    check_sites_.push_back(
        CheckSite{loc.file, loc.line, message,
                  std::string("check failed: ") + message + " at " + where(loc)});
  }
  // A check that keeps failing in one run is one finding.
  if (std::find(failed_sites_.begin(), failed_sites_.end(), site) != failed_sites_.end()) return;
  failed_sites_.push_back(site);
  Finding f;
  if (!spare_findings_.empty()) {  // its strings keep their capacity: no allocation
    f = std::move(spare_findings_.back());
    spare_findings_.pop_back();
    f.signature.clear();
    f.details.clear();
    f.other_step = Finding::kNoStep;
  }
  f.kind = FindingKind::kInvariant;
  f.step = current_step();
  f.message.assign(check_sites_[site].text);
  if (listened_) {  // heard by a monitor (even one deaf to a repeated prefix): who failed it
    f.details.push_back(std::string("failed in thread '") + thread_name(current()) + "' at step " +
                        std::to_string(f.step));
  }
  findings_->push_back(std::move(f));
}

void Execution::assume(bool holds) {
  if (holds || unwinding_) return;
  end_from_thread(RunStatus::kBlocked);
}

uint64_t Execution::random(uint64_t bound) {
  if (unwinding_) return 0;
  if (bound <= 1) return 0;  // no choice to make, nothing to record
  // (a timed run's schedule holds its decisions only: not shown)
  const uint64_t value = strategy_->pick_value(
      ValuePoint{bound, step_, timed_ ? std::span<const ThreadId>() : schedule_, last_visible_});
  if (random_.empty()) first_random_step_ = step_;
  random_.push_back(value);
  return value;
}

void Execution::note(const char* label, int64_t value, Loc loc) {
  if (unwinding_) return;
  notes_->push_back(NoteRecord{label, value, now_, current(), failed_checks_total_});
  emit_named(Op::kNote, label, value, loc);
}

void Execution::never_joined(ThreadId thread) {
  if (unwinding_) return;  // the run is being torn down: nothing to say
  {  // (no string of this frame may live across the join's scheduling point: kept states)
    const std::string name = thread_name(thread);
    add_finding(Finding{FindingKind::kException,
                        "thread '" + name +
                            "' was never joined: its handle was destroyed while it was joinable "
                            "(std::thread would call std::terminate)",
                        current_step(),
                        "never_joined|" + name,
                        {}});
  }
  // Joined here, as a native run does, so that the thread cannot outlive what its spawner is
  // destroying. (Ending the run here instead would unwind this thread from inside the
  // destructor, which ends the process where that destructor runs inside another, such as a
  // vector's.)
  join(thread, Loc{});
}

void Execution::misuse(const std::string& what, Loc loc) {
  add_finding(Finding{FindingKind::kException,
                      what + " at " + where(loc),
                      current_step(),
                      "misuse|" + where(loc),
                      {}});
}

}  // namespace interleave
