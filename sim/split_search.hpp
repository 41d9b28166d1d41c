// The engine of a search split between threads: whole subtrees (parts) are given to threads that
// have nothing to do, and results are counted in the order one thread would find them. Shared by
// optimal DPOR (dpor_parallel.cpp) and dfs (dfs_parallel.cpp), which differ only in their search
// and in how a thread runs one execution.
//
// `Lane` is one thread's means to run executions: built as Lane(model, options, monitors) on its
// own thread, with
//   using Search = ...;                        // a search over one subtree
//   static constexpr const char* kStrategy;    // the strategy's name
//   FinishedRun record;                        // every run's, reused (LaneCore has it)
//   Search::Next next(Search&);                // kJob (ready to run), kDone, or kDue
//   void run(Search&);                         // runs that job into `record`, gives it back
//   bool repeats(const Search&, const RunResult&);  // an earlier round already ran it
// and `Search` has, besides Next:
//   bool can_give() const; bool give(uint64_t number, Search& part);
//   uint64_t due() const; bool fits(const Search& part) const; void take_back();
//   void splice(const Search& part);
//   bool splice_races(Search& part, std::size_t& next, std::size_t budget);
//   bool has_spoiled() const; std::vector<uint64_t> take_spoiled();
// (DporSearch documents what each means.)
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "sim/internal_check.hpp"
#include "sim/parallel.hpp"
#include "sim/stack_pool.hpp"

namespace interleave::split {

/// One run as a part keeps it until it is counted: most find nothing, and a few numbers do.
/// Small, as a part's log holds every run it made until the count reaches it.
struct Outcome {
  uint64_t steps = 0;
  uint64_t preemptions = 0;
  RunStatus status = RunStatus::kCompleted;
  bool repeats = false;  // an earlier round of the search ran it: not counted again
  // With --all, a run whose findings its part found before keeps only which ones, as indexes
  // into the part's `found` (most runs of a buggy model find the same bugs; keeping each in
  // full would hold every run's schedule).
  static constexpr std::size_t kMaxHits = 4;
  uint8_t hit_count = 0;
  std::array<uint8_t, kMaxHits> hits{};
  std::unique_ptr<FinishedRun> full;  // a run that found something new (or was abandoned)
  // Without an executions budget, runs that keep nothing in full are summed up instead, one
  // entry for many: the count takes them whole (their order among themselves does not matter).
  struct Sum {
    RunSum runs;
    std::vector<uint64_t> hits;  // by index into the part's `found`
  };
  std::unique_ptr<Sum> sum;
};

/// A subtree explored by one search, one thread at a time.
template <class Search>
struct Part {
  /// What it explored, in order: its runs, and where a branch it gave away came due, that part.
  struct Entry {
    Outcome run;
    Part* part = nullptr;
  };
  Search search;
  Part* parent = nullptr;
  std::vector<Entry> log;
  std::vector<Outcome> pending;  // runs not in the log yet: its thread's alone, unlocked
  std::unordered_map<uint64_t, Part*> given;  // parts given away and not yet due, by number
  // The findings its runs merge first, in order; at most kMaxFound, so that once reserved it
  // never moves (the count reads it on another thread while this part's thread adds to it).
  static constexpr std::size_t kMaxFound = 64;
  std::vector<Finding> found;
  Part* waits_for = nullptr;  // parked until this part finishes
  uint64_t runs = 0;
  bool finished = false;
  // Spoiled (or under a spoiled part): its runs count for nothing. Written under the lock, read
  // without it between runs.
  std::atomic<bool> dropped{false};
};

/// What the threads share; everything but the parts' searches is guarded by `mu`.
template <class Search>
struct Shared {
  using Part = split::Part<Search>;
  Shared(const ExploreOptions& o, bool e, const char* name)
      : options(o), pacer(o), eager(e), strategy(name) {}

  const ExploreOptions& options;
  SearchPacer pacer;
  const bool eager;
  const char* strategy;  // its name, for errors
  std::mutex mu;
  std::condition_variable work;  // threads without a part: one is ready, or the search is over
  std::deque<Part*> ready;       // parts given away, waiting for a thread
  unsigned idle = 0;             // threads waiting for a part
  bool stop = false;
  // Bumped (under `mu`) whenever a part becomes ready or the search stops: a thread without work
  // watches it spinning for a while before it sleeps. On a virtual machine a sleeping CPU may
  // take milliseconds to be woken.
  std::atomic<uint64_t> offers{0};
  // Mirrors, written under `mu` and read without it between runs: whether a thread waits for a
  // part that nobody has given yet, and `stop`.
  std::atomic<bool> wanted{false};
  std::atomic<bool> stopping{false};
  std::vector<std::unique_ptr<Part>> parts;
  uint64_t next_number = 1;
  RunResult plain;  // count()'s: a run that found nothing
  // The count, in one thread's order: a path of (part, position in its log).
  std::vector<std::pair<Part*, std::size_t>> cursor;
  uint64_t counted = 0;
  uint64_t uncounted = 0;  // runs published that could not be counted at once
  ExploreResult out;
  DporParallelStats stats;

  void finish() {
    stop = true;
    stopping.store(true, std::memory_order_relaxed);
    offers.fetch_add(1, std::memory_order_release);
    work.notify_all();
  }
  /// After `idle` or `ready` changed.
  void update_wanted() { wanted.store(idle > ready.size(), std::memory_order_relaxed); }
  /// Makes `part` ready for any thread.
  void offer(Part* part) {
    ready.push_back(part);
    update_wanted();
    offers.fetch_add(1, std::memory_order_release);
    work.notify_one();
  }
  /// Counts every run that is next in order and known; ends the search when it should end.
  void count() {
    while (!stop && !cursor.empty()) {
      auto& [part, at] = cursor.back();
      if (at == part->log.size()) {
        if (!part->finished) {
          // Its next run is still to come. What is counted nobody reads again: emptied, the
          // log keeps its storage, and a long search's log stays short.
          part->log.clear();
          at = 0;
          return;
        }
        std::vector<typename Part::Entry>().swap(part->log);  // counted: nobody reads it again
        cursor.pop_back();
        continue;
      }
      typename Part::Entry& e = part->log[at++];
      if (e.part != nullptr) {
        cursor.emplace_back(e.part, 0);
        continue;
      }
      if (e.run.sum) {
        if (!pacer.go_on_many(counted, out)) return finish();
        tally_sum(out, e.run.sum->runs);
        const std::vector<uint64_t>& hits = e.run.sum->hits;
        for (std::size_t h = 0; h < hits.size(); ++h) {
          if (hits[h] > 0) tally_hit(out, part->found[h], hits[h]);
        }
        counted += e.run.sum->runs.runs;
        e.run.sum.reset();
        continue;
      }
      if (!pacer.go_on(counted, out)) return finish();
      bool ends = false;
      if (e.run.full) {
        const FinishedRun& r = *e.run.full;
        if (r.run.status == RunStatus::kAbandoned) {
          out.error = std::string("strategy ") + strategy + " abandoned execution " +
                      std::to_string(counted + 1) + ": " + r.run.abandon_reason;
          return finish();
        }
        ends = tally_run(out, r.run, r.schedule, r.random, counted + 1, e.run.repeats, options.all);
        e.run.full.reset();
      } else {
        plain.status = e.run.status;
        plain.steps = e.run.steps;
        plain.preemptions = e.run.preemptions;
        ends = tally_run(out, plain, {}, {}, counted + 1, e.run.repeats, options.all);
        for (uint8_t h = 0; h < e.run.hit_count; ++h) tally_hit(out, part->found[e.run.hits[h]]);
      }
      ++counted;
      if (ends) return finish();
    }
    if (!stop) {
      // Everything is counted: the whole space, even where it used up the budget exactly (as on
      // one thread), unless the search was cancelled or ran out of time at its end.
      out.complete = pacer.go_on(counted, out) || pacer.only_the_budget_stops(counted);
      finish();
    }
  }
  /// A part spoiled: it and everything under it count for nothing.
  void drop(Part* part) {
    if (part->dropped) return;
    part->dropped.store(true, std::memory_order_relaxed);
    for (auto& [number, given] : part->given) drop(given);
    for (typename Part::Entry& e : part->log) {
      if (e.part != nullptr) drop(e.part);
    }
  }
};

/// Takes `lock`, spinning briefly first: it is held for well under a microsecond at a time,
/// while sleeping and being woken by the kernel takes several.
inline void lock_soon(std::unique_lock<std::mutex>& lock) {
  for (int i = 0; i < 2000; ++i) {
    if (lock.try_lock()) return;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  lock.lock();
}

/// Spins while `waiting` holds, for at most about 200 us.
template <class Waiting>
void spin_while(Waiting waiting) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
  for (unsigned i = 1; waiting(); ++i) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if (i % 64 == 0 && std::chrono::steady_clock::now() > until) return;
  }
}

/// Gives a branch of `part` away, if it has one to give: to a thread without work (through the
/// ready queue), or (`to_self`) to the caller, as the part to explore next. Called with `lock`
/// held; the part's search is this thread's alone, so the copying is done unlocked.
template <class Search>
Part<Search>* give(Shared<Search>& s, std::unique_lock<std::mutex>& lock, Part<Search>& part,
                   bool to_self) {
  if (!part.search.can_give()) return nullptr;
  const uint64_t number = s.next_number++;
  lock.unlock();
  auto taker = std::make_unique<Part<Search>>();
  part.search.give(number, taker->search);
  lock_soon(lock);
  ++s.stats.parts;
  taker->parent = &part;
  part.given.emplace(number, taker.get());
  Part<Search>* p = taker.get();
  s.parts.push_back(std::move(taker));
  if (part.dropped) {  // dropped while the lock was let go: so is everything it gives
    s.drop(p);
    return nullptr;
  }
  if (!to_self) s.offer(p);
  return p;
}

/// Stops the parts `part` gave away that are spoiled now: their threads can do better.
template <class Search>
void drop_spoiled(Shared<Search>& s, Part<Search>& part) {
  for (const uint64_t number : part.search.take_spoiled()) {
    const auto it = part.given.find(number);
    if (it != part.given.end() && !it->second->dropped) s.drop(it->second);
  }
}

/// Moves the runs `part` has made since into its log (with the lock held), and counts them if the
/// count has come that far.
template <class Search>
void publish(Shared<Search>& s, Part<Search>& part) {
  if (part.pending.empty()) return;
  uint64_t published = 0;
  for (Outcome& o : part.pending) {
    published += o.sum ? o.sum->runs.runs : 1;
    part.log.push_back(typename Part<Search>::Entry{std::move(o), nullptr});
  }
  part.runs += published;
  part.pending.clear();
  if (part.search.has_spoiled()) drop_spoiled(s, part);
  if (!s.cursor.empty() && s.cursor.back().first == &part) {
    s.count();
  } else if ((s.options.time_limit_s > 0 || s.options.cancel != nullptr) &&
             (s.uncounted += published) >= 64) {
    // The count waits for another part: the time limit and a cancel cannot wait with it.
    s.uncounted = 0;
    if (!s.stop && ((s.options.time_limit_s > 0 && s.pacer.elapsed_s() >= s.options.time_limit_s) ||
                    s.pacer.cancel_requested())) {
      s.finish();
    }
  }
}

/// What a run with findings keeps, counting everything (--all): nothing when the count will not
/// merge it (blocked, pruned, repeated), which findings when its part found them all before, and
/// otherwise the whole run, whose new findings the part then remembers.
template <class Search>
void keep(Part<Search>& part, Outcome& outcome, const RunResult& r, const FinishedRun& record) {
  if (!counts_as_execution(r.status, outcome.repeats)) return;
  auto known = [&part](const Finding& f) -> std::size_t {
    std::size_t k = 0;
    while (k < part.found.size() &&
           (part.found[k].kind != f.kind || part.found[k].key() != f.key())) {
      ++k;
    }
    return k;
  };
  if (r.findings.size() <= Outcome::kMaxHits) {
    uint8_t n = 0;
    for (const Finding& f : r.findings) {
      const std::size_t k = known(f);
      if (k == part.found.size()) break;
      outcome.hits[n++] = static_cast<uint8_t>(k);
    }
    if (n == r.findings.size()) {
      outcome.hit_count = n;
      return;
    }
  }
  outcome.full = std::make_unique<FinishedRun>(record);
  if (part.found.empty()) part.found.reserve(Part<Search>::kMaxFound);
  for (const Finding& f : r.findings) {
    if (known(f) == part.found.size() && part.found.size() < Part<Search>::kMaxFound) {
      part.found.push_back(f);
    }
  }
}

/// Folds the run just added to `pending` (one kept in part, not in full) into the sum before it,
/// or makes it one.
inline void sum_up(std::vector<Outcome>& pending) {
  Outcome run = std::move(pending.back());
  pending.pop_back();
  if (pending.empty() || !pending.back().sum)
    pending.emplace_back().sum = std::make_unique<Outcome::Sum>();
  Outcome::Sum& sum = *pending.back().sum;
  sum.runs.add(run.status, run.steps, run.repeats);
  for (uint8_t h = 0; h < run.hit_count; ++h) {
    if (sum.hits.size() <= run.hits[h]) sum.hits.resize(run.hits[h] + 1u, 0);
    ++sum.hits[run.hits[h]];
  }
}

/// Explores `part` until it is finished, parked or dropped. `lock` is held on entry and return;
/// runs go without it, their outcomes published a few at a time (every lock taken and every
/// shared line written costs a transfer between the CPUs' caches).
template <class Lane, class Search = typename Lane::Search>
Part<Search>* explore_part(Shared<Search>& s, std::unique_lock<std::mutex>& lock, Lane& lane,
                           Part<Search>* part) {
  using Next = typename Search::Next;
  constexpr std::size_t kBatch = 32;
  const bool summing = s.options.max_executions == std::numeric_limits<uint64_t>::max();
  for (;;) {
    if (s.stop || part->dropped) {
      part->pending.clear();
      return nullptr;
    }
    if (s.eager || s.idle > s.ready.size()) give(s, lock, *part, false);
    lock.unlock();
    Next next = Next::kJob;
    for (std::size_t ran = 1;; ++ran) {
      next = lane.next(part->search);
      if (next != Next::kJob) break;
      lane.run(part->search);
      const RunResult& r = lane.record.run;
      Outcome& outcome = part->pending.emplace_back(
          Outcome{r.steps, r.preemptions, r.status, lane.repeats(part->search, r), 0, {}, {}, {}});
      if (r.status == RunStatus::kAbandoned) {
        // A bug in the search: this part ends here, and the search with it when the count
        // reaches this run (as one thread stops at it).
        outcome.full = std::make_unique<FinishedRun>(lane.record);
        next = Next::kDone;
        break;
      }
      if (!r.findings.empty()) {
        if (!s.options.all) {
          outcome.full = std::make_unique<FinishedRun>(lane.record);
          break;  // the count may stop here
        }
        keep(*part, outcome, r, lane.record);
      }
      if (summing && !outcome.full) sum_up(part->pending);
      if (ran >= kBatch || part->search.has_spoiled() || s.eager ||
          s.wanted.load(std::memory_order_relaxed) || s.stopping.load(std::memory_order_relaxed) ||
          part->dropped.load(std::memory_order_relaxed)) {
        break;
      }
    }
    lock_soon(lock);
    publish(s, *part);
    if (next == Next::kJob) continue;
    if (s.stop || part->dropped) return nullptr;
    if (next == Next::kDone) {
      part->finished = true;
      s.count();
      Part<Search>* parent = part->parent;
      if (parent != nullptr && parent->waits_for == part) {
        parent->waits_for = nullptr;
        return parent;
      }
      return nullptr;
    }
    // A branch given away is due here.
    const auto it = part->given.find(part->search.due());
    INTERLEAVE_INTERNAL_CHECK(it != part->given.end(), "a branch due that was never given");
    Part<Search>* taker = it->second;
    if (!part->search.fits(taker->search)) {
      part->given.erase(it);
      ++s.stats.spoiled;
      s.drop(taker);
      part->search.take_back();
      continue;
    }
    if (!taker->finished) {
      // Rather than wait, explore a branch of this part that comes later.
      Part<Search>* next_part = give(s, lock, *part, true);
      if (!taker->finished) {
        part->waits_for = taker;  // whoever finishes it goes on with this part
        return next_part;
      }
      if (next_part != nullptr) s.offer(next_part);  // the taker finished meanwhile: splice it
      continue;
    }
    part->given.erase(it);
    // The taker is finished: nobody touches it now. Its races can take milliseconds to insert,
    // so a thread that waits for a part meanwhile is given one.
    part->search.splice(taker->search);
    for (std::size_t race = 0;;) {
      if (s.eager || s.idle > s.ready.size()) give(s, lock, *part, false);
      lock.unlock();
      bool all_in = false;
      do {
        // 64 races at a time; one at a time when eager, so tests give branches mid-splice.
        all_in = part->search.splice_races(taker->search, race, s.eager ? 1 : 64);
      } while (!all_in && !s.eager && !s.wanted.load(std::memory_order_relaxed));
      lock_soon(lock);
      if (all_in) break;
    }
    taker->search = Search();  // nor needs its search again
    if (part->search.has_spoiled()) drop_spoiled(s, *part);
    part->log.push_back(typename Part<Search>::Entry{Outcome{}, taker});
    s.count();
  }
}

/// A thread's life: explore parts until the search is over.
template <class Lane, class Search = typename Lane::Search>
void lane_main(Shared<Search>& s, Lane& lane, Part<Search>* part) {
  std::unique_lock<std::mutex> lock(s.mu);
  for (;;) {
    while (part == nullptr) {
      // Wait for a part given away (dropped ones are skipped).
      ++s.idle;
      s.update_wanted();
      const auto t0 = std::chrono::steady_clock::now();
      if (!s.stop && s.ready.empty()) {
        const uint64_t seen = s.offers.load(std::memory_order_relaxed);
        lock.unlock();
        spin_while([&] { return s.offers.load(std::memory_order_acquire) == seen; });
        lock.lock();
      }
      s.work.wait(lock, [&] { return s.stop || !s.ready.empty(); });
      s.stats.idle_s +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ++s.stats.waits;
      --s.idle;
      if (s.stop) return;
      part = s.ready.front();
      s.ready.pop_front();
      s.update_wanted();
      if (part->dropped) part = nullptr;
    }
    part = explore_part(s, lock, lane, part);
    if (s.stop) return;
  }
}

/// What every lane has: one thread's own fibers, run state and monitor, and the record of the
/// run it made last.
class LaneCore {
 public:
  LaneCore(const SimModel& model, const ExploreOptions& options, const MonitorFactory& monitors)
      : model_(model),
        pool_(options.execution.stack_size),
        x_(pool_, options.execution),
        monitor_(monitors ? monitors() : nullptr) {}
  /// Runs one execution under `strategy` into `record`.
  void run_under(Strategy& strategy) { record.run_on(model_, x_, strategy, monitor_.get()); }
  FinishedRun record;  // every run's, reused

 private:
  const SimModel& model_;
  StackPool pool_;
  Execution x_;
  std::unique_ptr<Monitor> monitor_;
};

/// Explores the whole tree of `Lane::Search` on `jobs` threads (the caller's included).
/// `whole` is the search of the whole tree, before its first next().
template <class Lane, class Search = typename Lane::Search>
ExploreResult explore(const SimModel& model, const ExploreOptions& options, unsigned jobs,
                      const MonitorFactory& monitors, DporParallelStats* stats, bool eager,
                      Search whole = Search()) {
  jobs = std::max(1u, jobs);
  Shared<Search> s(options, eager, Lane::kStrategy);
  s.parts.push_back(std::make_unique<Part<Search>>());
  Part<Search>* root = s.parts.back().get();
  root->search = std::move(whole);
  s.cursor.emplace_back(root, 0);
  // Each thread builds its own lane, so that what it writes at every step sits in memory it
  // allocated, apart from the others'.
  auto lane = [&](Part<Search>* first) {
    Lane mine(model, options, monitors);
    lane_main(s, mine, first);
  };
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < jobs; ++i) threads.emplace_back(lane, nullptr);
  lane(root);
  for (std::thread& t : threads) t.join();
  s.out.cancelled = s.pacer.cancelled() && !s.out.complete;
  s.out.elapsed_s = s.pacer.elapsed_s();
  if (stats != nullptr) {
    *stats = s.stats;
    for (const std::unique_ptr<Part<Search>>& p : s.parts) {
      stats->runs += p->runs;
      if (p->dropped) stats->spoiled_runs += p->runs;
    }
  }
  return std::move(s.out);
}

}  // namespace interleave::split
