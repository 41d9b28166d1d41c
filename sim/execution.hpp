// One run of a model: fibers, the scheduling loop, and the state of simulated objects.
// Ground rules:
//  - every visible operation first announces itself (`point`), then the strategy picks who runs;
//    the announcing thread continues without any context switch when it is picked again;
//  - the mechanism never decides: every choice (thread, random value) goes to the Strategy;
//  - model exceptions never cross a fiber boundary; they become findings;
//  - a run that ends early (deadlock, step limit, assume) unwinds every fiber's stack.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/context/fiber.hpp>

#include "sim/event.hpp"
#include "sim/fiber_sanitizer.hpp"
#include "sim/finding.hpp"
#include "sim/ids.hpp"
#include "sim/loc.hpp"
#include "sim/pending.hpp"
#include "sim/stack_pool.hpp"
#include "sim/strategy.hpp"
#include "sim/timing.hpp"

namespace interleave {

enum class ObjectKind : uint8_t { kLocation, kMutex, kCondVar, kLoop };

/// A simulated object as the execution tracks it.
struct ObjectInfo {
  ObjectKind kind = ObjectKind::kLocation;
  int32_t index = -1;  // element index in an array, -1 for a scalar
  const char* name = "";
  ThreadId holder = kNoThread;    // invariant: the owner of a mutex / the running task of a loop
  ThreadId grant_to = kNoThread;  // timed: a woken waiter that takes the mutex at grant_at ...
  int64_t grant_at = 0;           // ... unless (barging) someone takes it first
};

/// Why a run ended.
enum class RunStatus : uint8_t {
  kCompleted,  // every thread finished
  kDeadlock,   // unfinished threads, none enabled
  kStepLimit,  // the step budget ran out
  kBlocked,    // a false assume cut it off (not a bug, not counted as a trace)
  kAbandoned,  // the strategy could not go on (a replay whose schedule does not fit)
  kPruned,     // the strategy cut it short as redundant (kPruneRun): not a bug, not counted
};

struct ExecutionConfig {
  uint64_t step_limit = 100'000;
  TimingConfig timing;                         // untimed unless timing.timed
  std::size_t stack_size = kDefaultStackSize;  // each model thread's (the StackPool's)
  /// The model keeps all the state of its run on its threads' stacks and in simulated objects
  /// (no heap of its own: no std::vector, std::string or new in the run). A search whose
  /// strategy branches (Strategy::branches_at) then keeps the state before each branch, and
  /// resumes a later run from it instead of re-running the steps before it. Only for untimed
  /// runs without event loops, and only where interleave's own fiber switch runs (x86-64 System
  /// V builds without a sanitizer: fiber_switch.hpp); a model that breaks the promise gets
  /// wrong results, so a model declares it (ModelInfo::resumable) only once it is checked.
  bool resumable = false;
};

/// A labelled value a model reported (a heartbeat), with when it happened.
struct NoteRecord {
  const char* label = "";
  int64_t value = 0;
  int64_t time_ns = 0;
  ThreadId thread{};
  uint64_t failed_checks_before = 0;  // checks that had failed in the run before this note
};

/// Everything a caller needs to know about a finished run.
struct RunResult {
  RunStatus status = RunStatus::kCompleted;
  uint64_t steps = 0;
  uint64_t preemptions = 0;
  std::vector<Finding> findings;
  std::string abandon_reason;  // set with kAbandoned: which step and why
  std::vector<NoteRecord> notes;
  uint64_t failed_checks = 0;    // every failed check, not one per site
  int64_t end_time_ns = 0;       // the virtual clock when the run ended (timed runs)
  bool covers_the_rest = false;  // the strategy's covers_the_rest() after it (see Strategy)
};

class Execution {
 public:
  explicit Execution(StackPool& pool, ExecutionConfig config = {});
  ~Execution();
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;

  /// Runs `root` as thread 0 ("main") to the end of one execution. `sink` may be null (no events).
  template <class F>
  RunResult run(F&& root, Strategy& strategy, EventSink* sink) {
    RunResult out;
    run(std::forward<F>(root), strategy, sink, out);
    return out;
  }
  /// As above, filling `out`; reusing one RunResult across runs saves its allocations.
  template <class F>
  void run(F&& root, Strategy& strategy, EventSink* sink, RunResult& out);
  /// A run of a search, as run() with `monitor` (may be null) listening, begun here; its
  /// end_run() is the caller's. When the strategy's forced prefix repeats the first steps of this
  /// execution's last run, which the same monitor heard, the monitor is rewound to where that
  /// run was then (Monitor::rewind) and those steps run without it. `root` must be the same model
  /// at every such run.
  template <class F>
  [[gnu::always_inline]] void run_search(F&& root, Strategy& strategy, Monitor* monitor,
                                         RunResult& out);

  // ---- called by simulated objects and environments, from inside model threads ----

  ThreadId current() const { return ThreadId{current_}; }
  /// Announces the current thread's next operation and returns once it is picked to run it.
  void point(const PendingOp& op, Loc loc) {
    const uint32_t self = current_;
    if (plain_) {
      // Forced to go on, as it ran the last visible step: nothing to decide or account. Most
      // steps of an exhaustive search take this path (inline, no call).
      const bool forced = step_ < forced_end_ && forced_[step_] == ThreadId{self} &&
                          last_visible_ == ThreadId{self} && !blocks(op.op) &&
                          !threads_[self].starting;
      // Or the only thread that can run, whose last step could not enable another: a memory
      // operation cannot either, so it goes on without a decision (asks_when_alone() false;
      // no preemption, as no other thread could have run).
      const bool alone = alone_ == self && is_memory_op(op.op) && step_ < config_.step_limit;
      if (forced || alone) {
        pending_[self] = op;
        may_block_[self] = 0;
        threads_[self].pending_loc = loc;
        last_visible_ = ThreadId{self};  // (memory operations are visible)
        schedule_.push_back(ThreadId{self});
        ++step_;
        if (record_outcomes_) outcomes_.push_back(op.op);
        return;
      }
    }
    point_decide(op, loc);
  }
  /// Emits the event of the operation that just took effect.
  void emit(Op op, ObjectId object, int64_t value, Loc loc, ObjectId aux = kNoObject,
            std::memory_order order = std::memory_order_seq_cst) {
    if (record_outcomes_ && op != Op::kFinish && !unwinding_) outcomes_.back() = op;
    if (sink_ != nullptr && !unwinding_) emit_slow(op, object, value, loc, aux, order);
  }
  /// Emits an event that carries its own name (check messages, note labels).
  void emit_named(Op op, const char* name, int64_t value, Loc loc);

  ObjectId add_object(ObjectKind kind, const char* name, int32_t index = -1);
  /// Registers `count` locations named name[0..count-1]; returns the first id.
  ObjectId add_array(const char* name, uint32_t count);
  /// `bytes` of memory aligned to `align` that lives until the run ends, for a simulated
  /// object's values (a SharedArray's): kept and restored with the run's state, unlike the heap.
  void* run_memory(std::size_t bytes, std::size_t align);
  ObjectInfo& object(ObjectId id) { return objects_[to_index(id)]; }

  template <class F>
  ThreadId spawn(const char* name, F&& body, Loc loc, ObjectId loop = kNoObject);
  /// A copy of `name` that lives as long as this execution: for names a model builds
  /// ("philosopher 3"). A monitor may keep it from one run to the next.
  const char* keep_name(std::string name) {
    return kept_names_.insert(std::move(name)).first->c_str();
  }
  void join(ThreadId thread, Loc loc);

  void lock(ObjectId mutex, Loc loc);
  bool try_lock(ObjectId mutex, Loc loc);
  void unlock(ObjectId mutex, Loc loc);
  void wait(ObjectId condvar, ObjectId mutex, Loc loc);
  void notify(ObjectId condvar, bool all, Loc loc);
  /// A sleep; `awaits`: a task's await of its loop (EventLoop::sleep_for), which gives the loop
  /// to its other tasks meanwhile. Otherwise a task that sleeps blocks its loop, as a blocking
  /// sleep in an asyncio task does.
  void sleep(int64_t nanos, Loc loc, bool awaits = false);
  void yield(Loc loc);
  /// An event-loop task gives its loop back (an await) and resumes when picked again.
  void await(Loc loc);

  void check(bool holds, const char* message, Loc loc) {
    if (holds && !passing_checks_) return;  // the common case stays inline
    check_slow(holds, message, loc);
  }
  /// A false assumption ends the run as blocked: not a bug, not a trace.
  void assume(bool holds);
  uint64_t random(uint64_t bound);
  void note(const char* label, int64_t value, Loc loc);
  /// Model work between visible operations: advances a timed run's clock, nothing else.
  void work(uint64_t units) {
    if (timed_) now_ += static_cast<int64_t>(units) * config_.timing.work_cost_ns;
  }

  /// Reports misuse of an object by the model (unlocking a mutex it does not hold, ...).
  void misuse(const std::string& what, Loc loc);
  /// A handle of `thread` was destroyed while the thread was joinable: a finding (natively
  /// std::terminate), and the thread is joined.
  void never_joined(ThreadId thread);

  // ---- read by runners after a run ----
  const std::vector<ThreadId>& schedule() const { return schedule_; }
  const std::vector<uint64_t>& random_values() const { return random_; }
  /// Each step's outcome, when the strategy asked for them.
  const std::vector<Op>& outcomes() const { return outcomes_; }
  /// Each thread's last announced operation (kFinish once it finished).
  std::span<const PendingOp> pending_ops() const { return pending_; }
  uint64_t steps() const { return step_; }
  /// The step now under way: events that are not scheduling points (checks, notes, the end of a
  /// thread) belong to the step of the operation that preceded them in their thread.
  uint64_t current_step() const { return step_ == 0 ? 0 : step_ - 1; }
  /// Timed runs record only real decisions: the step of each entry of schedule().
  const std::vector<uint64_t>& decision_steps() const { return decision_steps_; }
  /// Virtual time (timed runs; 0 otherwise).
  int64_t now_ns() const { return now_; }
  /// False once a timed run's clock has passed its duration: looping models stop.
  bool running() const { return !timed_ || now_ < config_.timing.duration_ns; }
  const char* thread_name(ThreadId t) const { return threads_[to_index(t)].name; }
  /// Runs resumed from a kept state so far (ExecutionConfig::resumable).
  uint64_t restores() const { return restores_; }

 private:
  static constexpr uint32_t kMainSlot = 0xfffffffeu;

  /// A thread's state apart from its worker fiber: copied as a whole into kept states.
  struct ThreadInfo {
    Loc pending_loc;
    const char* name = "";
    uint32_t parent = kMainSlot;
    ObjectId loop = kNoObject;  // the event loop it is a task of
    ObjectId waiting_on = kNoObject;
    uint64_t wait_seq = 0;    // FIFO order among waiters of one condition variable
    int64_t sleep_until = 0;  // timed: cannot run before this time
    int64_t ready_at = 0;     // timed: when it became ready (FIFO order of cooperative tasks)
    uint64_t lock_seq = 0;    // timed: FIFO order among a mutex's waiters
    bool starting = true;     // runs to its first announcement before anyone is scheduled
    bool finished = false;
    bool notified = false;     // by notify_all (by notify_one in a timed run)
    uint64_t notified_at = 0;  // the step of that notify
  };
  struct ThreadState : ThreadInfo {
    boost::context::fiber ctx;  // its continuation while it does not run
    // Its worker as the sanitizers see it (an empty member without them).
    [[no_unique_address]] fiber_sanitizer::Handle san;
    boost::context::stack_context stack{};  // its worker's
  };
  /// A notify_one's wake-up, waiting to be taken by one of the threads that were waiting on its
  /// condition variable when it was issued (untimed runs): whichever of them runs its wake first.
  struct Wakeup {
    ObjectId condvar;
    uint64_t seq;   // in wait_seq_'s order: waiters with a smaller wait_seq may take it
    uint64_t step;  // the notify's
  };
  std::vector<Wakeup> tokens_;  // in the order issued
  /// The oldest wake-up thread `waiter` may take: an index in tokens_, or tokens_.size().
  std::size_t wakeup_for(uint32_t waiter) const;

  boost::context::fiber& slot(uint32_t i) { return i == kMainSlot ? main_ctx_ : threads_[i].ctx; }
  fiber_sanitizer::Context* sanitizer(uint32_t i) {
    return i == kMainSlot ? &main_san_ : threads_[i].san.get();
  }
  [[gnu::noinline]] void switch_to(uint32_t next);
  /// Picks who runs next after `self` reached a point or finished; kMainSlot ends the run.
  uint32_t choose(uint32_t self);
  /// Accounts for `next` running the step now decided (preemptions, schedule, outcomes).
  uint32_t take_step(uint32_t next);
  /// The next step of the strategy's forced prefix (abandons the run if it cannot be taken).
  uint32_t forced_step();
  /// forced_step(), for the runner resuming a run from a kept state (not inline).
  uint32_t resume_step();
  /// forced_step() when the prefix names a thread that cannot run: abandons the run.
  uint32_t forced_misfit();
  /// Whether an operation can wait for another thread (and so is not always enabled).
  static constexpr bool blocks(Op op) {
    return op == Op::kLock || op == Op::kJoin || op == Op::kWake;
  }
  /// point() when the step needs a decision or the run is not plain.
  void point_decide(const PendingOp& op, Loc loc);
  /// point() for timed runs, event loops, a thread's first announcement and teardown.
  void point_slow(const PendingOp& op, Loc loc);
  /// Whether thread `index` can run its pending operation now.
  bool enabled(uint32_t index) const {
    return may_block_[index] == 0 || (may_block_[index] != kFinished && enabled_slow(index));
  }
  bool enabled_slow(uint32_t index) const;
  uint32_t stop_at_step_limit();
  // Timed scheduling (execution_timed.cpp).
  uint32_t choose_timed(uint32_t self);
  bool timed_enabled(uint32_t index) const;
  void grant_on_unlock(ObjectId mutex);
  void sleep_timed(int64_t nanos, Loc loc, ObjectId loop);
  uint32_t stop_without_enabled();
  /// Ends the run from inside a model thread; does not return (the fiber is unwound).
  [[noreturn]] void end_from_thread(RunStatus status);
  /// Marks `self` finished and picks who runs next (its spawner if it never announced).
  uint32_t finish_thread(uint32_t self);
  void enter_thread(boost::context::fiber&& from) { slot(from_) = std::move(from); }
  void thread_threw(uint32_t self, const std::string& what);
  void add_finding(Finding finding);
  void report_deadlock();
  void check_slow(bool holds, const char* message, Loc loc);
  uint32_t abandon(ThreadId pick, std::span<const ThreadId> enabled);
  void emit_slow(Op op, ObjectId object, int64_t value, Loc loc, ObjectId aux,
                 std::memory_order order);
  void reset(Strategy& strategy, EventSink* sink, RunResult& out);
  /// What reset() and a restored kept state set alike: the run's result, strategy, sink (not
  /// counted), forced prefix, and a run neither under way nor ended.
  void begin_run_state(Strategy& strategy, EventSink* sink, RunResult& out);
  /// The run itself, once reset: `root` as thread 0, to the end.
  template <class F>
  void run_root(F&& root, RunResult& out);
  /// How many first steps of this run the last one took too, with `monitor` listening: the
  /// forced prefix it shares with the last schedule, up to the step before the last run's first
  /// random value (0: none, or not a search with the same monitor).
  uint64_t repeated_steps(const Strategy& strategy, const Monitor* monitor) const;
  /// Begins the run's monitor: rewound to the first `repeated` steps' calls (then deaf to them
  /// until the next step is decided), or begun (rewindable if the strategy repeats prefixes).
  void begin_monitor(Monitor* monitor, const Strategy& strategy, uint64_t repeated);
  /// Counts a call to the sink (for rewinding: the calls before each step's decision).
  void count_call() {
    while (calls_before_.size() < step_) calls_before_.push_back(calls_);
    ++calls_;
  }
  /// The decision of the step where the repeated prefix ends: the monitor listens again.
  void stop_muting();
  void teardown(RunResult& out);
  /// Unwinds the threads that did not finish and parks the workers of those that did.
  void unwind_threads();
  /// Ends the run: its result into `out`, the monitor's bookkeeping.
  void finish(RunResult& out);
  /// A model thread that overflows its stack is named in the report (reset and restore).
  void watch_this_run();

  // ---- kept states (ExecutionConfig::resumable; execution_resume.cpp) ----
  /// A state of the run just before one of its steps was decided, every thread suspended: what
  /// the run had changed since it began, apart from what only grows (schedule_, the result's
  /// findings and notes: their lengths then).
  struct KeptState {
    uint64_t step = 0;
    uint64_t preemptions = 0;
    ThreadId last_visible = kNoThread;
    uint64_t wait_seq = 0;
    uint64_t failed_checks = 0;
    uint64_t calls = 0;  // calls the monitor had heard
    std::size_t findings = 0;
    std::size_t notes = 0;
    std::vector<ThreadInfo> threads;
    struct Worker {
      int64_t thread = -1;    // its thread, or -1 for a parked worker
      void* fiber = nullptr;  // its continuation (the fiber's bits)
      boost::context::stack_context stack{};
      std::size_t offset = 0;  // where its used stack is in `stacks`
      std::size_t size = 0;    // ... and how long it is
    };
    std::vector<Worker> workers;
    // each worker's stack from its continuation up to worker_fixed_ bytes below the top
    std::vector<std::byte> stacks;
    std::vector<PendingOp> pending;
    std::vector<uint8_t> may_block;
    std::vector<ObjectInfo> objects;
    std::vector<Wakeup> tokens;
    std::vector<uint32_t> failed_sites;
    std::size_t memory_block = 0;
    std::vector<std::size_t> memory_used;  // of blocks [0, memory_block]
    std::vector<std::byte> memory;         // their used parts, block after block
    std::size_t bytes = 0;                 // of stacks and memory it copied
  };
  /// From choose(), after pick() decided a step the strategy will branch at: keeps this state,
  /// the calling thread's stack included, without leaving its fiber (interleave_fiber_keep).
  /// False when this run goes on (take the step decided); true when it returns into a later run
  /// restored to it, where the runner took the forced step and this thread has since been picked
  /// to run its operation (or its finished thread's worker given a new one).
  bool keep_state();
  /// keep_state()'s work, on the keeping thread's stack below its suspended context.
  static void keep_here(void* self, void* context) noexcept;
  void save_state();
  /// What resume_kept() returns when no kept state can serve this run.
  static constexpr uint32_t kNotResumed = 0xfffffffdu;
  /// At the start of a search run: restores the deepest kept state on this run's planned prefix
  /// and takes its forced step there, returning the thread to switch to (kMainSlot if the run
  /// ended at that step); or drops what cannot serve and returns kNotResumed.
  uint32_t resume_kept(Strategy& strategy, Monitor* monitor, RunResult& out);
  /// Before a run from the start: forgets kept states and unwinds the last run's threads if that
  /// was left for now (a run that kept states leaves its threads as they are, to restore them).
  void drop_kept();
  /// Whether this run may keep its state now.
  bool may_keep() const;
  void drop_last_kept();
  /// Gives back a worker that kept states do not know (its stack is discarded, not unwound).
  void forget_worker(boost::context::fiber& ctx, boost::context::stack_context& stack);
  /// Adds a thread's state (and tells the sink) before it exists as a running fiber.
  uint32_t register_thread(const char* name, ObjectId loop);
  /// Gives `body` to a worker fiber (a parked one if any) and runs it to its first
  /// announcement; `body` stays in this frame until the worker has moved it to its own stack.
  template <class F>
  void start_thread(uint32_t index, F&& body);
  /// A worker fiber's life: run the assigned thread, finish it, park, repeat.
  boost::context::fiber worker_loop(boost::context::fiber&& from);
  /// Gives thread `index` a worker fiber: a parked one, or a new one.
  void take_worker(uint32_t index);
  template <class Fn>
  static void run_body(Execution* x, uint32_t index, void* body);

  /// What a worker runs next: set by start_thread just before it switches to the worker.
  struct Assignment {
    uint32_t index = 0;
    void* body = nullptr;
    void (*run)(Execution*, uint32_t, void*) = nullptr;
  };
  Assignment assignment_;
  struct ParkedWorker {
    boost::context::fiber ctx;
    [[no_unique_address]] fiber_sanitizer::Handle san;
    boost::context::stack_context stack{};
  };
  std::vector<ParkedWorker> idle_;  // parked workers, reused across runs

  StackPool* pool_;
  ExecutionConfig config_;
  Strategy* strategy_ = nullptr;
  EventSink* sink_ = nullptr;
  bool passing_checks_ = false;  // the sink wants events for checks that hold
  boost::context::fiber main_ctx_;
  [[no_unique_address]] fiber_sanitizer::Context main_san_;  // the runner's own stack
  uint32_t current_ = kMainSlot;
  uint32_t from_ = kMainSlot;  // who switched to the thread now resuming
  bool unwinding_ = false;     // tearing down: operations have no effect and do not schedule
  RunStatus status_ = RunStatus::kCompleted;
  uint64_t preemptions_ = 0;
  ThreadId last_visible_ = kNoThread;  // ran the last visible step (for counting preemptions)
  uint64_t wait_seq_ = 0;
  std::string abandon_reason_;
  std::vector<ThreadState> threads_;
  std::unordered_set<std::string> kept_names_;  // keep_name()'s (nodes: they never move)
  std::vector<ObjectInfo> objects_;
  std::vector<ThreadId> schedule_;
  std::span<const ThreadId> forced_;  // the strategy's forced prefix for this run
  uint64_t forced_end_ = 0;           // steps below it are forced and within the step limit
  // invariant: true only while an untimed run without event loops is under way (not unwinding):
  // point() then takes its short path.
  bool plain_ = false;
  bool asks_alone_ = true;  // the strategy's asks_when_alone()
  // invariant (read only while plain_): a thread other than kNobody only past the forced prefix
  // and the monitor's repeated steps, for a strategy not asked when one thread alone can run:
  // that thread is the only one enabled, and the step it is taking cannot enable another.
  uint32_t alone_ = kNobody;
  static constexpr uint32_t kNobody = 0xffffffffu;
  std::vector<uint64_t> decision_steps_;
  uint64_t step_ = 0;  // steps run so far (timed runs record only decisions in schedule_)
  bool timed_ = false;
  int64_t now_ = 0;
  ThreadId gil_holder_ = kNoThread;
  int64_t gil_since_ = 0;
  uint64_t lock_seq_ = 0;
  uint64_t failed_checks_total_ = 0;
  std::vector<NoteRecord>* notes_ = nullptr;  // the current run's result
  bool record_outcomes_ = false;
  std::vector<Op> outcomes_;  // invariant: when recorded, one per step of schedule_
  std::vector<uint64_t> random_;
  std::vector<ThreadId> enabled_;
  std::vector<PendingOp> pending_;  // invariant: pending_[i] is thread i's next operation
  // invariant: 0 only if thread i is unfinished, outside any event loop, and its pending
  // operation cannot block; kFinished once it has finished (never enabled again); lets choose()
  // skip the full test for the common cases.
  std::vector<uint8_t> may_block_;
  static constexpr uint8_t kFinished = 2;
  bool has_loops_ = false;
  std::vector<Finding>* findings_ = nullptr;  // the current run's result
  struct CheckSite {
    const char* file;  // from __builtin_FILE: a literal, compared by address
    unsigned line;
    std::string message;
    std::string text;  // the finding's message
  };
  std::vector<CheckSite> check_sites_;  // kept across runs: messages are built once per site
  std::vector<uint32_t> failed_sites_;  // sites whose finding this run already has
  // Findings of earlier runs, taken back so that a failed check's finding reuses their strings.
  std::vector<Finding> spare_findings_;
  /// Moves findings[from, end) to spare_findings_ (as many as it keeps) and drops them.
  void take_back_findings(std::vector<Finding>& findings, std::size_t from);
  // Rewinding a search's monitor (run_search).
  bool listened_ = false;          // the run has a sink, even while it is muted
  Monitor* counted_ = nullptr;     // the monitor whose calls this run counts (run_search)
  Monitor* heard_last_ = nullptr;  // the monitor that heard all of the last run (counted)
  uint64_t calls_ = 0;             // calls counted so far in this run
  // invariant (counting): calls_before_[s] is the number of calls made before step s was
  // decided, for every step s < step_ (and s <= step_ once the run has ended).
  std::vector<uint64_t> calls_before_;
  uint64_t first_random_step_ = kNever;  // step_ when the run drew its first random value
  Monitor* muted_ = nullptr;             // the monitor while a repeated prefix runs without it
  uint64_t unmute_at_ = kNever;          // the step whose decision gives muted_ back
  static constexpr uint64_t kNever = ~uint64_t{0};
  // Kept states (execution_resume.cpp).
  bool resumable_ = false;         // config_.resumable, where it works (INTERLEAVE_FIBER_SWITCH)
  bool keeping_ = false;           // this run keeps states: resumable_, and a search's run
  std::exception_ptr keep_error_;  // what keeping the state threw, for keep_state() to throw
  bool threads_left_ = false;      // the last run's threads are as it ended (kept states need them)
  RunResult* kept_for_ = nullptr;  // the result the kept states' findings and notes are in
  std::vector<KeptState> kept_;    // by step, each on the last run's path; reused
  std::size_t kept_count_ = 0;     // kept_[0, kept_count_) are live
  std::size_t kept_bytes_ = 0;     // the live ones' bytes
  // The first step a state may be kept at: a few steps after the last one kept, since re-running
  // a forced step or two from it costs less than keeping one more state.
  uint64_t keep_from_ = 0;
  uint64_t restores_ = 0;
  // The bytes at the top of every worker's stack that stay as they are once it runs (Boost's
  // record of the fiber and the frames that call worker_loop): kept states leave them out. The
  // least any worker measured on entering worker_loop (each has before a state knows it).
  std::size_t worker_fixed_ = 0;
  bool worker_entered_ = false;
  // Run memory (run_memory): blocks never move or shrink, and are reused run after run.
  struct MemoryBlock {
    std::unique_ptr<std::byte[]> bytes;
    std::size_t size = 0;
    std::size_t used = 0;  // [0, used) is in use; 0 in blocks after memory_block_
  };
  std::vector<MemoryBlock> memory_;
  std::size_t memory_block_ = 0;   // the block allocations come from now
  std::size_t memory_in_use_ = 0;  // used bytes in all blocks
  static constexpr std::size_t kMemoryBlock = 16 * 1024;
};

// ---- templates ----

template <class F>
void Execution::run(F&& root, Strategy& strategy, EventSink* sink, RunResult& out) {
  drop_kept();
  reset(strategy, sink, out);
  run_root(std::forward<F>(root), out);
}

template <class F>
inline void Execution::run_search(F&& root, Strategy& strategy, Monitor* monitor, RunResult& out) {
  if (const uint32_t next = resume_kept(strategy, monitor, out); next != kNotResumed) {
    // (the switch is made in the frame of the loop that runs the executions, which run_search
    // is inlined into: after a run, only one return follows the switch that ends it; see
    // fiber_switch.hpp on returns after a switch)
    if (next != kMainSlot) switch_to(next);  // returns when the run has ended
    teardown(out);
    return;
  }
  const uint64_t repeated = repeated_steps(strategy, monitor);  // before reset() forgets
  drop_kept();
  reset(strategy, monitor, out);
  keeping_ = resumable_;  // (a run of run() keeps none: nothing would resume from them)
  begin_monitor(monitor, strategy, repeated);
  run_root(std::forward<F>(root), out);
}

template <class F>
void Execution::run_root(F&& root, RunResult& out) {
  const uint32_t main = register_thread("main", kNoObject);
  threads_[main].starting = false;            // the root schedules itself from its first point on
  start_thread(main, std::forward<F>(root));  // returns when the run has ended
  teardown(out);
}

template <class F>
ThreadId Execution::spawn(const char* name, F&& body, Loc loc, ObjectId loop) {
  point(PendingOp{Op::kSpawn, loop}, loc);
  if (unwinding_) return kNoThread;
  const uint32_t child = register_thread(name, loop);
  emit(Op::kSpawn, loop, child, loc);
  start_thread(child, std::forward<F>(body));
  return ThreadId{child};
}

template <class F>
void Execution::start_thread(uint32_t index, F&& body) {
  using Fn = std::decay_t<F>;
  Fn fn(std::forward<F>(body));
  assignment_ = Assignment{index, &fn, &run_body<Fn>};
  take_worker(index);
  switch_to(index);  // the worker moves `fn` out before it first hands control back
}

template <class Fn>
void Execution::run_body(Execution* x, uint32_t index, void* body) {
  Fn fn(std::move(*static_cast<Fn*>(body)));
  try {
    fn();
  } catch (const boost::context::detail::forced_unwind&) {
    throw;  // teardown of an unfinished run: let Boost.Context unwind this stack
  } catch (const std::exception& e) {
    x->thread_threw(index, e.what());
  } catch (...) {
    x->thread_threw(index, "an exception not derived from std::exception");
  }
}

}  // namespace interleave
