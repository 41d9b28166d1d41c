// Parallel exploration: tasks run ahead on worker threads, results are taken in order.
#include "sim/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "sim/pct_strategy.hpp"
#include "sim/stack_pool.hpp"

namespace interleave {

void FinishedRun::run_on(const SimModel& model, Execution& x, Strategy& strategy,
                         Monitor* monitor) {
  run_execution(model, x, strategy, monitor, run);
  schedule.clear();
  random.clear();
  if (!run.findings.empty()) {
    schedule = x.schedule();
    random = x.random_values();
  }
}

namespace {

/// Executions numbered in order, each run ahead as it comes (update() adds what a subclass needs).
class IndexedSource : public ExecutionSource {
 public:
  explicit IndexedSource(std::function<std::unique_ptr<Strategy>()> make)
      : make_(std::move(make)) {}
  bool next(Task& task) override {
    task.index = next_++;
    task.key = task.index + 1;
    return true;
  }
  void ahead(std::size_t count, const std::function<bool(uint64_t)>& known,
             std::vector<Task>& tasks) override {
    tasks.clear();
    for (uint64_t i = next_; i < next_ + count; ++i) {
      if (known(i + 1)) continue;
      Task& t = tasks.emplace_back();
      t.index = i;
      t.key = i + 1;
      update(t);
    }
  }
  std::unique_ptr<Strategy> lane_strategy() override { return make_(); }
  // Measured with random on counter/heartbeat naive (checker on), --jobs 2 against 1: 6.5 us
  // executions (size=20) ran 10% slower, 14 us ones (size=50) 1.22x faster, 55 us ones 1.5x.
  double min_parallel_run_s() const override { return 10e-6; }

 protected:
  uint64_t next_ = 0;  // the index next() gives next

 private:
  std::function<std::unique_ptr<Strategy>()> make_;
};

class PctSource final : public IndexedSource {
 public:
  PctSource(uint64_t seed, uint32_t depth)
      : IndexedSource([seed, depth] { return std::make_unique<PctStrategy>(seed, depth); }),
        depth_(depth) {}
  bool next(Task& task) override {
    IndexedSource::next(task);
    estimate_ = estimate_for(task.index);
    task.setting = setting(estimate_);
    return true;
  }
  bool taken(const Task& /*task*/, const RunResult& run) override {
    if (run.steps <= longest_) return false;
    longest_ = run.steps;
    return true;
  }
  void update(Task& task) const override {
    // Every run before next_ is in: the estimate is known up to the next refresh after next_.
    // Past it, the guess is that the runs until then are no longer than the longest so far.
    uint64_t k = estimate_for(next_);
    if (task.index > next_) {
      const uint64_t refresh = next_refresh(next_);
      if (task.index >= refresh) k = std::max(k, longest_);
    }
    task.setting = setting(k);
  }
  void begin(Strategy& strategy, const Task& task) const override {
    static_cast<PctStrategy&>(strategy).begin_with_estimate(task.index, task.setting);
  }

 private:
  /// PctStrategy's estimate at execution `index`, once every run before it is taken.
  uint64_t estimate_for(uint64_t index) const {
    if (index == 0) return PctStrategy::kFirstEstimate;
    return PctStrategy::refreshes_estimate(index) ? std::max(estimate_, longest_) : estimate_;
  }
  /// The first execution after `index` that refreshes the estimate.
  static uint64_t next_refresh(uint64_t index) {
    uint64_t i = index + 1;
    while (!PctStrategy::refreshes_estimate(i)) ++i;  // at most 63 steps
    return i;
  }
  /// What a task carries: its estimate, or 0 with depth 1, which draws no change points.
  uint64_t setting(uint64_t k) const { return depth_ > 1 ? k : 0; }

  uint32_t depth_;
  uint64_t estimate_ = PctStrategy::kFirstEstimate;  // the last task's
  uint64_t longest_ = 0;
};

/// One thread's means to run executions: its own fibers, strategy and monitor.
class Lane {
 public:
  Lane(const SimModel& model, ExecutionSource& source, const ExploreOptions& options,
       const MonitorFactory& monitors)
      : model_(model),
        source_(source),
        pool_(options.execution.stack_size),
        x_(pool_, options.execution),
        strategy_(source.lane_strategy()),
        monitor_(monitors ? monitors() : nullptr) {}

  void run(const ExecutionSource::Task& task, FinishedRun& out) {
    source_.begin(*strategy_, task);
    out.run_on(model_, x_, *strategy_, monitor_.get());
  }

 private:
  const SimModel& model_;
  ExecutionSource& source_;
  StackPool pool_;
  Execution x_;
  std::unique_ptr<Strategy> strategy_;
  std::unique_ptr<Monitor> monitor_;
};

/// Tasks run ahead, by key: queued, running on a worker, or finished and waiting for their turn.
struct Board {
  enum class State : uint8_t { kQueued, kRunning, kDone };
  struct Slot {
    State state = State::kQueued;
    ExecutionSource::Task task;
    std::unique_ptr<FinishedRun> result;
    bool orphan = false;  // running on a stale guess: whoever runs it drops it when done
  };
  std::mutex mu;
  std::condition_variable work;      // workers: something queued, or stop
  std::condition_variable finished;  // the explorer: a task it waits for is done
  std::unordered_map<uint64_t, Slot> slots;
  std::deque<uint64_t> queue;
  std::vector<std::unique_ptr<FinishedRun>> spare;  // results given back, their buffers kept
  bool stop = false;
  unsigned sleeping_workers = 0;
  bool explorer_sleeps = false;
  // Mirrors read without the lock, to spin briefly instead of sleeping: an execution takes
  // microseconds, a sleep and wake-up in the kernel about as long.
  std::atomic<uint64_t> queued{0};
  std::atomic<uint64_t> completed{0};
  std::atomic<bool> stopping{false};

  /// A result to fill (called with `mu` held).
  std::unique_ptr<FinishedRun> take_spare() {
    if (spare.empty()) return std::make_unique<FinishedRun>();
    std::unique_ptr<FinishedRun> f = std::move(spare.back());
    spare.pop_back();
    return f;
  }
  void push(ExecutionSource::Task&& task) {
    const uint64_t key = task.key;
    slots.emplace(key, Slot{State::kQueued, std::move(task), nullptr});
    queue.push_back(key);
    queued.store(queue.size(), std::memory_order_release);
  }
  uint64_t pop() {
    const uint64_t key = queue.front();
    queue.pop_front();
    queued.store(queue.size(), std::memory_order_release);
    return key;
  }
  void unqueue(uint64_t key) {
    queue.erase(std::find(queue.begin(), queue.end(), key));
    queued.store(queue.size(), std::memory_order_release);
  }
};

/// Spins (unlocked) for a few microseconds until `ready` holds; the caller then re-checks.
template <class Ready>
void spin_until(std::unique_lock<std::mutex>& lock, Ready ready) {
  lock.unlock();
  for (int i = 0; i < 20000 && !ready(); ++i) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  lock.lock();
}

/// Runs the first queued task on `lane`, the board unlocked meanwhile.
void run_queued(Board& board, std::unique_lock<std::mutex>& lock, Lane& lane) {
  const uint64_t key = board.pop();
  Board::Slot& slot = board.slots.at(key);
  slot.state = Board::State::kRunning;
  const ExecutionSource::Task task = slot.task;
  std::unique_ptr<FinishedRun> result = board.take_spare();
  lock.unlock();
  lane.run(task, *result);
  lock.lock();
  // A running slot stays until it is done: then the search's thread takes it, or (an orphan)
  // the thread that ran it drops it.
  auto same = board.slots.find(key);
  if (same->second.orphan) {
    board.spare.push_back(std::move(result));
    board.slots.erase(same);
  } else {
    same->second.result = std::move(result);
    same->second.state = Board::State::kDone;
  }
  board.completed.fetch_add(1, std::memory_order_release);
  if (board.explorer_sleeps) board.finished.notify_one();
}

void worker(Board& board, Lane& lane) {
  std::unique_lock<std::mutex> lock(board.mu);
  for (;;) {
    if (board.queue.empty() && !board.stop) {
      spin_until(lock, [&] {
        return board.queued.load(std::memory_order_acquire) != 0 ||
               board.stopping.load(std::memory_order_acquire);
      });
      if (board.queue.empty() && !board.stop) {
        ++board.sleeping_workers;
        board.work.wait(lock, [&] { return board.stop || !board.queue.empty(); });
        --board.sleeping_workers;
      }
    }
    if (board.stop) return;
    run_queued(board, lock, lane);
  }
}

}  // namespace

std::unique_ptr<ExecutionSource> indexed_source(std::function<std::unique_ptr<Strategy>()> make) {
  return std::make_unique<IndexedSource>(std::move(make));
}

std::unique_ptr<ExecutionSource> pct_source(uint64_t seed, uint32_t depth) {
  return std::make_unique<PctSource>(seed, depth);
}

ExploreResult explore_parallel(const SimModel& model, ExecutionSource& source,
                               const ExploreOptions& options, unsigned jobs,
                               const MonitorFactory& monitors) {
  SearchPacer pacer(options);
  jobs = std::max(1u, jobs);
  ExploreResult out;
  Board board;
  Lane mine(model, source, options, monitors);
  // The other threads start when there is first something to hand them: until then the process
  // stays single-threaded (the allocator, for one, is cheaper so). Each builds its own lane, so
  // that what it writes at every step sits in memory it allocated itself: built here, a lane's
  // buffers were interleaved with what this thread allocates as it hands tasks out, and the
  // cache lines they share went back and forth between the CPUs (pct ran 2.4x slower on two).
  std::vector<std::thread> workers;
  auto start_workers = [&] {
    for (unsigned i = 1; i < jobs; ++i) {
      workers.emplace_back([&] {
        Lane lane(model, source, options, monitors);
        worker(board, lane);
      });
    }
  };

  // Look ahead when the queue is about to run dry; each look costs the explorer a walk over the
  // leaves it covers, so a small window (measured on lastzero) serves best.
  const std::size_t lookahead = 8 * static_cast<std::size_t>(jobs);
  const std::size_t threshold = jobs;
  // Keys handed to the board and not yet taken back: only this thread adds or removes slots, so
  // it keeps its own copy and looks ahead without holding the lock.
  std::unordered_set<uint64_t> issued;
  const auto known = [&issued](uint64_t key) { return issued.count(key) != 0; };
  std::vector<ExecutionSource::Task> upcoming;
  ExecutionSource::Task task;
  // Whether executions are long enough to hand out: decided from the ones this thread runs (a
  // running average), after the first few. Who runs what never changes the results.
  const double min_run_s =
      options.parallel_min_run_s >= 0 ? options.parallel_min_run_s : source.min_parallel_run_s();
  bool hand_out = jobs > 1 && min_run_s <= 0;
  std::unique_ptr<FinishedRun> own = std::make_unique<FinishedRun>();
  double run_average_s = 0;
  uint64_t runs_timed = 0;
  for (uint64_t index = 0; pacer.go_on(index, out); ++index) {
    if (!source.next(task)) {
      out.complete = true;
      break;
    }
    std::unique_ptr<FinishedRun> result;
    // Only tasks handed out are on the board (issued mirrors it); the others run here.
    if (task.key != 0 && !issued.empty()) {
      std::unique_lock<std::mutex> lock(board.mu);
      for (;;) {
        auto it = board.slots.find(task.key);
        if (it == board.slots.end()) break;
        Board::Slot& slot = it->second;
        if (slot.task.setting != task.setting) {
          // Run ahead on a guess that proved wrong (pct's estimate grew): run it here instead.
          if (slot.state == Board::State::kRunning) {
            slot.orphan = true;  // its thread drops it when done
          } else {
            if (slot.state == Board::State::kQueued) board.unqueue(task.key);
            if (slot.result) board.spare.push_back(std::move(slot.result));
            board.slots.erase(it);
          }
          issued.erase(task.key);
          break;
        }
        if (slot.state == Board::State::kRunning) {
          // Another thread has it: run something queued meanwhile, or wait.
          if (board.queue.empty()) {
            const uint64_t seen = board.completed.load(std::memory_order_acquire);
            spin_until(lock, [&] {
              return board.completed.load(std::memory_order_acquire) != seen ||
                     board.queued.load(std::memory_order_acquire) != 0;
            });
            if (it->second.state == Board::State::kRunning && board.queue.empty()) {
              board.explorer_sleeps = true;
              board.finished.wait(lock);
              board.explorer_sleeps = false;
            }
          } else {
            run_queued(board, lock, mine);
          }
          continue;
        }
        if (slot.state == Board::State::kQueued) {
          board.unqueue(task.key);
        } else {
          result = std::move(slot.result);
        }
        board.slots.erase(it);
        issued.erase(task.key);
        break;
      }
    }
    if (!result) {
      if (own) {
        result = std::move(own);  // the buffers of the last execution run here
      } else {
        std::lock_guard<std::mutex> lock(board.mu);
        result = board.take_spare();
      }
      const auto started = std::chrono::steady_clock::now();
      mine.run(task, *result);
      if (jobs > 1 && min_run_s > 0) {
        // One slow run (a page fault, a new bug's first report) must not tip the decision.
        const double took = std::min(
            2 * min_run_s,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        // The first runs warm caches and allocate buffers: they are left out of the average.
        constexpr uint64_t kWarmUp = 16;
        if (runs_timed >= kWarmUp) {
          run_average_s = runs_timed == kWarmUp ? took : 0.9 * run_average_s + 0.1 * took;
        }
        if (++runs_timed >= 2 * kWarmUp) hand_out = run_average_s >= min_run_s;
      }
    }
    if (result->run.status == RunStatus::kAbandoned) {
      out.error = "execution " + std::to_string(index + 1) +
                  " was abandoned: " + result->run.abandon_reason;
      break;
    }
    if (source.taken(task, result->run) && !issued.empty()) {
      // Tasks still queued are given what they need to be run as their turn will ask.
      std::lock_guard<std::mutex> lock(board.mu);
      for (const uint64_t key : board.queue) source.update(board.slots.at(key).task);
    }
    if (tally_run(out, result->run, result->schedule, result->random, index + 1, false,
                  options.all)) {
      break;
    }
    if (result->run.covers_the_rest) {  // as on one thread: what runs ahead repeats this one
      out.strategy_exhausted = true;
      break;
    }
    upcoming.clear();
    if (hand_out && board.queued.load(std::memory_order_acquire) < threshold) {
      source.ahead(lookahead, known, upcoming);
      for (const ExecutionSource::Task& t : upcoming) issued.insert(t.key);
      if (workers.empty() && !upcoming.empty()) start_workers();
    }
    if (upcoming.empty()) {
      own = std::move(result);  // kept here for the next execution: no lock, no hand-over
    } else {
      std::unique_lock<std::mutex> lock(board.mu);
      board.spare.push_back(std::move(result));
      for (ExecutionSource::Task& t : upcoming) board.push(std::move(t));
      if (board.sleeping_workers > 0) board.work.notify_all();
    }
  }
  {
    std::lock_guard<std::mutex> lock(board.mu);
    board.stop = true;
    board.stopping.store(true, std::memory_order_release);
  }
  board.work.notify_all();
  for (std::thread& w : workers) w.join();
  out.cancelled = pacer.cancelled() && !out.complete;
  out.elapsed_s = pacer.elapsed_s();
  return out;
}

}  // namespace interleave
