// Optimal dynamic partial-order reduction with wakeup trees (Abdulla, Aronis, Jonsson, Sagonas
// 2014), split into a search and the runs it asks for.
// Ground rules:
//  - the search (DporSearch) owns the exploration tree: one Node per step of the current
//    execution, each with the branches already explored from it (its sleep set) and a wakeup
//    tree of branches still to explore. It hands out one DporJob per execution, always the
//    leftmost pending branch, and takes the outcome back (integrate), in that order only;
//  - a branch's subtree, once it is under way, depends on nothing outside it: races found in it
//    only add branches inside it or after it at its ancestors. That is what lets a parallel
//    search give whole subtrees to other threads (DporSearch::give);
//  - a run (DporRun) follows its job, continues with any awake thread (the running one first),
//    and afterwards finds the races of its execution. Each race e < e' yields the sequence v =
//    (what does not happen after e) then e'; unless a sleeping thread is a weak initial of v, v
//    goes into the wakeup tree of e's node. The search inserts it unless an existing branch
//    already covers it, so no two explored executions are equivalent;
//  - random values a model asks for are enumerated exhaustively, depth first;
//  - the search names threads by their place in the spawn tree (ThreadNames), never by the number
//    the simulator gives them: that number depends on the order of spawns in threads running
//    apart, which a race's sequence may change. A run translates at the boundary.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "sim/dependence.hpp"
#include "sim/strategy.hpp"

namespace interleave {

/// Names for threads that are the same in every run of a search: main is 0, and the k-th thread
/// that the thread named p spawns is named child(p, k), whenever it is spawned. Shared by a
/// search, its parts and their runs, on any thread.
class ThreadNames {
 public:
  uint32_t child(uint32_t parent, uint32_t index) {
    const std::lock_guard<std::mutex> hold(mutex_);
    const auto [it, added] = names_.try_emplace({parent, index}, next_);
    if (added) ++next_;
    return it->second;
  }

 private:
  std::mutex mutex_;
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> names_;
  uint32_t next_ = 1;
};

/// A thread covered by an explored branch, with the step it takes (or took) there.
struct Sleeper {
  ThreadId thread{};
  StepEvent event;
};

/// One execution to run: the steps it must take first, then whatever is awake. Flat buffers,
/// reused from run to run: a few blocks, not one per step.
struct DporJob {
  ThreadNames* names = nullptr;  // the search's: threads below are named by it
  std::vector<ThreadId> path;    // forced threads for the first path.size() steps
  // The branches explored before at each forced step s: asleep[asleep_end[s-1], asleep_end[s])
  // (from 0 for s = 0). invariant: asleep_end.size() == path.size().
  std::vector<Sleeper> asleep;
  std::vector<uint32_t> asleep_end;
  std::vector<uint64_t> values;  // random values to replay; later ones are 0
  // The forced steps before it were taken in this order by an execution already explored, so
  // their events are known; those from it on come from a wakeup tree and may turn out otherwise
  // (a compare_exchange that fails here).
  uint32_t fresh_from = 0;

  std::span<const Sleeper> asleep_at(std::size_t s) const {
    const uint32_t begin = s == 0 ? 0 : asleep_end[s - 1];
    return std::span<const Sleeper>(asleep.data() + begin, asleep_end[s] - begin);
  }
  void clear() {
    path.clear();
    asleep.clear();
    asleep_end.clear();
    values.clear();
    fresh_from = 0;
  }
  /// Appends a forced step: `thread` runs it, `explored` were explored there before.
  template <class Range>
  void add_step(ThreadId thread, const Range& explored) {
    path.push_back(thread);
    asleep.insert(asleep.end(), explored.begin(), explored.end());
    asleep_end.push_back(static_cast<uint32_t>(asleep.size()));
  }
};

/// A sequence found by a race, to be inserted into the wakeup tree of node `node`: its steps and
/// their order sit in the outcome's flat buffers (reused from run to run).
struct WakeupInsertion {
  uint32_t node = 0;
  uint32_t first = 0;  // its steps: sequence_steps[first, first + size)
  uint32_t size = 0;
  uint32_t before = 0;  // sequence_before[before + a * size + b]: step a happens before step b
};

/// What one run of a job did, as the search needs it.
struct DporOutcome {
  std::vector<StepEvent> steps;  // every step, outcomes final
  struct Value {
    uint64_t bound = 0;
    uint64_t chosen = 0;
    uint32_t steps_before = 0;  // steps taken when the value was asked for
  };
  std::vector<Value> values;
  std::vector<WakeupInsertion> insertions;
  std::vector<StepEvent> sequence_steps;
  std::vector<uint8_t> sequence_before;
  bool pruned = false;    // every enabled thread was asleep: cut short
  bool diverged = false;  // a forced thread was not enabled (a bug in the search)
  // The steps of its job's path it followed: all of them, unless a value it drew made a thread
  // do otherwise than the rest of the path (worked out, in part, from a run that drew another),
  // and it went on from there as a fresh run does.
  std::size_t path_end = ~std::size_t{0};
};

/// Condition variables as the simulator runs them untimed: a notify_one leaves a wake-up that any
/// thread waiting when it was issued may take (the first to run its wake), unless every waiter
/// has one already; notify_all wakes every waiter. Replayed over a sequence of steps, it says which
/// wakes could run and what first made each possible.
class WakeupReplay {
 public:
  void clear() {
    waiters_.clear();
    wakeups_.clear();
    seq_ = 0;
  }
  /// Applies `step`, the `index`-th of the sequence. False: a wake with nothing to take.
  bool apply(const StepEvent& step, std::size_t index);
  /// The step that first let `thread`, waiting now, wake (a notify after its wait), or -1.
  int64_t first_notify(ThreadId thread) const;

 private:
  struct Waiter {
    ThreadId thread;
    ObjectId condvar;
    uint64_t seq;
    bool notified;         // by notify_all
    int64_t first_notify;  // -1 until a notify could wake it
  };
  struct Issued {
    ObjectId condvar;
    uint64_t seq;
  };
  std::vector<Waiter> waiters_;
  std::vector<Issued> wakeups_;
  uint64_t seq_ = 0;
};

/// Runs one job: decides each step, then analyses the execution's races.
class DporRun {
 public:
  void start(const DporJob& job);
  /// The job's path in the simulator's thread numbers as the run before this one gave them, up
  /// to the first thread it did not have: what the run repeats of the one before, if anything.
  std::span<const ThreadId> planned() const { return planned_; }
  ThreadId pick(const ChoicePoint& point);
  uint64_t pick_value(uint64_t bound);
  /// Ends the run: final outcomes in, races analysed. `pending` holds each thread's announced
  /// operation at the end (kFinish once finished); a run that a false assume cut off (`blocked`)
  /// or that `deadlocked` ended with threads unfinished, whose next steps then race too. `out` is
  /// overwritten.
  void finish(std::span<const Op> outcomes, std::span<const PendingOp> pending, bool blocked,
              bool deadlocked, DporOutcome& out);

 private:
  StepEvent make_step(ThreadId thread, const PendingOp& op) const;
  /// A thread's name, from the number the simulator gave it in this run.
  ThreadId name_of(ThreadId number) const { return ThreadId{name_of_[to_index(number)]}; }
  /// `op` with the thread it names (a join's) named as the search names it.
  PendingOp named(const PendingOp& op) const;
  static constexpr uint32_t kAbsent = ~uint32_t{0};
  void refresh(std::size_t step, Op outcome);
  void analyse(std::span<const PendingOp> pending, bool blocked, bool deadlocked, DporOutcome& out);
  /// Step j's clock and races; a pending step (one that never ran, put last) changes nothing
  /// that later steps see.
  void analyse_step(std::size_t j, bool pending_step, DporOutcome& out);
  /// For a pending step: the steps that took the locks (mutexes, its loop) it waits for and that
  /// are still held when the run ends, into blockers_.
  void find_blockers(const StepEvent& e, std::span<const PendingOp> pending);
  /// Whether `lock` is free just before step j in the run without step i and every step i
  /// happens before (clocks known up to j): where a race reversal would put j.
  bool free_without(ObjectId lock, std::size_t i, std::size_t j) const;
  /// The index of a location in last_write_ and reads_since_, which grow to hold it.
  uint32_t track(ObjectId object);
  void add_insertion(std::size_t i, std::size_t j, DporOutcome& out);

  const DporJob* job_ = nullptr;
  // This run's threads: the name of each number, the number of each name (kAbsent: not in this
  // run), and how many threads each name has spawned.
  std::vector<uint32_t> name_of_;
  std::vector<uint32_t> number_of_;
  std::vector<uint32_t> spawned_;
  // The names' children looked up before, by parent name and index (kAbsent: not yet): the
  // names never change, and asking them takes a lock.
  std::vector<std::vector<uint32_t>> children_;
  uint32_t child_name(uint32_t parent, uint32_t index);
  std::vector<ThreadId> planned_;
  std::vector<PendingOp> pending_named_;  // finish()'s, by name
  std::vector<StepEvent> steps_;
  std::vector<DporOutcome::Value> values_;
  std::vector<Sleeper> sleep_;                  // who sleeps at the step being decided
  std::vector<Sleeper> sleep_next_;             // (a buffer for the next step's)
  std::vector<std::vector<Sleeper>> sleep_at_;  // per step: sleep set plus explored branches
  // The race analysis' buffers, kept from run to run.
  std::vector<uint32_t> clocks_;  // steps x threads happens-before clocks
  // Per location (by object index): the last step that wrote it and the reads since.
  std::vector<int64_t> last_write_;
  std::vector<std::vector<uint32_t>> reads_since_;
  std::vector<uint32_t> special_;    // steps that touch more than plain memory (locks, loops...)
  std::vector<uint32_t> conflicts_;  // a step's conflicting predecessors
  std::vector<std::size_t> sequence_;
  std::vector<uint32_t> last_clock_;  // add_insertion(): j's clock within its sequence
  std::vector<uint8_t> before_;
  // analyse()'s own, per thread or per step: kept too, so that a run allocates nothing.
  struct Pred {
    std::size_t step;
    bool release;
    bool conflict;
    ObjectId released = kNoObject;  // a release: the lock it gives to the step (or its loop)
  };
  std::vector<int64_t> last_of_;
  std::vector<int64_t> spawned_at_;
  std::vector<uint32_t> count_;
  std::vector<Pred> preds_;
  // A pending step that waits for a lock held to the end: it can run only before the step that
  // took it, so its races are only with that step and what happens before it.
  std::vector<uint32_t> blockers_;
  WakeupReplay wakeups_;               // condition variables over the run, step by step
  WakeupReplay check_;                 // add_insertion(): over a race's sequence
  std::vector<ObjectId> thread_loop_;  // each thread's event loop, kNoObject if none
  std::vector<uint8_t> resuming_;      // per thread: its next step resumes its loop
  uint32_t value_cursor_ = 0;
  uint32_t threads_ = 1;  // invariant: number_of_.size(), every name in this run below it
  bool pruned_ = false;
  bool diverged_ = false;
  std::size_t path_end_ = 0;  // as DporOutcome::path_end
};

/// The exploration tree and the order in which branches are explored. A parallel search splits
/// it: a search gives the first pending branch of one of its nodes away to another search (a
/// part), which explores that branch's whole subtree on another thread while the giver goes on
/// with the branch under way. When the given branch's turn comes, the giver takes the part's
/// outcome as if it had explored the branch itself: the branch goes to sleep and the races the
/// part found at or above its root go into the giver's wakeup trees, in the order found. This is
/// exactly what one search does, provided nothing changed the given branch's wakeup subtree in
/// the meantime (a race the giver found later may add to it): then the part is spoiled and the
/// giver explores the branch itself.
class DporSearch {
 public:
  DporSearch();
  enum class Next : uint8_t {
    kJob,   // the next execution, in depth-first order
    kDone,  // everything has been explored
    kDue,   // the next branch is one given away: due() names it
  };
  Next next(DporJob& job);
  /// next() for a search that gives nothing away: false when everything has been explored.
  bool next_job(DporJob& job);
  /// Takes back the outcome of the job next() last returned.
  void integrate(const DporJob& job, const DporOutcome& outcome);

  /// Gives away a pending branch (the first not given yet of the shallowest node that has one):
  /// `part` becomes the search of that branch's subtree. False if there is nothing to give.
  bool give(uint64_t number, DporSearch& part);
  /// Whether give() would find a branch.
  bool can_give() const;
  /// After next() said kDue: the number of the part due.
  uint64_t due() const;
  /// Whether `part`, the one due, explored its branch exactly as this search would have: its
  /// wakeup subtree did not grow since it was given, and the branches explored before it here
  /// are the ones it assumed asleep. Safe while `part` is still running.
  bool fits(const DporSearch& part) const;
  /// Parts spoiled since the last call (by races found here or spliced in): whatever they do
  /// from now on counts for nothing.
  std::vector<uint64_t> take_spoiled() { return std::exchange(spoiled_, {}); }
  bool has_spoiled() const { return !spoiled_.empty(); }
  /// The due branch is explored here after all (its part is dropped).
  void take_back();
  /// The due branch was explored by `part` (finished): it goes to sleep here. Then the races
  /// `part` found at or above its root go in with splice_races(), `budget` at a time from `next`
  /// (true when all are in): a big part's take milliseconds, and branches may be given away in
  /// between. next() only once all are in. A part takes over the races that are for its own
  /// giver, with the memory that holds them: `part` is not to be used again but to be dropped.
  void splice(const DporSearch& part);
  bool splice_races(DporSearch& part, std::size_t& next, std::size_t budget);

 private:
  struct WakeupNode {
    StepEvent event;
    std::vector<WakeupNode> children;
    uint64_t given = 0;    // a node's pending branch only: the part it was given to (0: none)
    bool spoiled = false;  // its subtree grew since it was given
    bool kept = false;     // taken back: explored here, never given again
  };
  struct Node {
    StepEvent event;              // the step taken by the branch being explored
    std::vector<Sleeper> done;    // branches explored from here
    std::vector<WakeupNode> wut;  // branches still to explore, in order
  };
  struct ValueNode {
    uint64_t bound = 0;
    uint64_t chosen = 0;
    uint32_t nodes_before = 0;
    // The wakeup subtree below it when it was first drawn (what the branch it is in was to
    // explore): each other value explores it again, as the first one did.
    std::vector<WakeupNode> guide;
  };
  /// The wakeup subtree of nodes `from` to `to` (not included), as still to explore: at each,
  /// the branch under way with the nodes below it, then the pending ones.
  std::vector<WakeupNode> pending_subtree(std::size_t from, std::size_t to) const;
  /// A copy of `w` and its subtree with nothing given away, spoiled or kept.
  static WakeupNode without_marks(const WakeupNode& w);
  /// Takes a race's sequence: into the wakeup tree of its node, or (a part's race at or above its
  /// root) kept for the giver.
  void accept(const DporOutcome& source, const WakeupInsertion& ins);
  /// The branch give() gives: wut[at] of node k. False if none.
  bool givable(std::size_t& k, std::size_t& at) const;
  /// Inserts a race's sequence into the wakeup tree of `node`.
  void insert(Node& node, const DporOutcome& source, const WakeupInsertion& ins);
  std::vector<uint8_t> alive_;  // insert()'s buffer
  void fill_job(DporJob& job) const;
  /// Moves the first pending branch of nodes_.back() under way: its first step replaces the
  /// node's, its subtree becomes the nodes after it.
  void begin_branch(std::vector<WakeupNode> below);
  uint32_t fresh_from_ = 0;  // fresh_from of the job next() returned last

  std::shared_ptr<ThreadNames> names_ = std::make_shared<ThreadNames>();
  std::vector<Node> nodes_;
  std::vector<ValueNode> values_;
  bool first_ = true;
  // A part: it owns the wakeup trees below its root node only. Races found at or above the root
  // are kept (in `deferred_`) for the search that gave it.
  bool part_ = false;
  uint32_t root_ = 0;
  StepEvent root_event_;          // the root branch's first step as it ran
  std::vector<Sleeper> assumed_;  // explored from the root node before it (never changes)
  /// A race kept for the giver: its steps and their order sit in kept_[buffer].
  struct Deferred {
    uint32_t buffer = 0;
    WakeupInsertion race;
  };
  std::vector<Deferred> deferred_;  // in the order found
  // kept_[0]: the races this part found itself, copied from its runs' outcomes; then the
  // buffers of the parts spliced into it, whose races for this part's giver are passed up as
  // they are. (Copying them at every level was quadratic in a chain of nested parts, and each
  // copy went to fresh memory: page faults.)
  std::vector<std::unique_ptr<DporOutcome>> kept_;
  uint32_t splicing_from_ = 0;     // splice_races: where the buffers of the part it splices start
  std::vector<uint64_t> spoiled_;  // parts given from here and spoiled, not yet reported
};

/// Whether two steps of different threads must keep their order when sequences are compared:
/// they conflict, or one releases what the other takes.
bool ordered(const StepEvent& a, const StepEvent& b);

}  // namespace interleave
