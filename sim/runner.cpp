// The exploration loop: one Execution reused for every run, bugs merged by their key.
#include "sim/runner.hpp"

#include <algorithm>
#include <chrono>

#include "sim/internal_check.hpp"
#include "sim/stack_pool.hpp"

namespace interleave {
namespace {

/// The bug `finding` is a hit of, if the search has it already.
BugRecord* find_bug(ExploreResult& out, const Finding& finding) {
  auto it = std::find_if(out.bugs.begin(), out.bugs.end(), [&](const BugRecord& b) {
    return b.finding.kind == finding.kind && b.finding.key() == finding.key();
  });
  return it == out.bugs.end() ? nullptr : &*it;
}

void merge(ExploreResult& out, const RunResult& run, const std::vector<ThreadId>& schedule,
           const std::vector<uint64_t>& random, uint64_t number) {
  for (const Finding& f : run.findings) {
    if (BugRecord* known = find_bug(out, f)) {
      ++known->count;
      continue;
    }
    BugRecord bug;
    bug.finding = f;
    bug.execution = number;
    bug.steps = run.steps;
    bug.preemptions = run.preemptions;
    bug.count = 1;
    bug.schedule = schedule;
    bug.random = random;
    out.bugs.push_back(std::move(bug));
  }
}

}  // namespace

bool tally_run(ExploreResult& out, const RunResult& run, const std::vector<ThreadId>& schedule,
               const std::vector<uint64_t>& random, uint64_t number, bool repeats_earlier,
               bool all) {
  RunSum one;
  one.add(run.status, run.steps, repeats_earlier);
  tally_sum(out, one);
  if (one.executions == 0) return false;  // blocked, pruned or repeated: its bugs do not count
  merge(out, run, schedule, random, number);
  return !run.findings.empty() && !all;
}

void tally_hit(ExploreResult& out, const Finding& finding, uint64_t hits) {
  BugRecord* known = find_bug(out, finding);
  INTERLEAVE_INTERNAL_CHECK(known != nullptr, "a hit of a bug never merged");
  known->count += hits;
}

void RunSum::add(RunStatus status, uint64_t steps, bool repeats) {
  ++runs;
  total_steps += steps;
  max_depth = std::max(max_depth, steps);
  blocked += status == RunStatus::kBlocked ? 1 : 0;
  pruned += status == RunStatus::kPruned ? 1 : 0;
  executions += counts_as_execution(status, repeats) ? 1 : 0;
}

void tally_sum(ExploreResult& out, const RunSum& sum) {
  out.total_steps += sum.total_steps;
  out.max_depth = std::max(out.max_depth, sum.max_depth);
  out.blocked += sum.blocked;
  out.pruned += sum.pruned;
  out.executions += sum.executions;
}

SearchPacer::SearchPacer(const ExploreOptions& options)
    : options_(options), start_(std::chrono::steady_clock::now()) {}

double SearchPacer::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

bool SearchPacer::go_on(uint64_t index, const ExploreResult& so_far) {
  // The clock is read every 64 executions; a cancel (one byte) before every one.
  if ((index & 63) != 0) return index < options_.max_executions && !cancel_requested();
  return go_on_many(index, so_far);
}

bool SearchPacer::cancel_requested() {
  if (options_.cancel != nullptr && options_.cancel->load(std::memory_order_relaxed)) {
    cancelled_ = true;
  }
  return cancelled_;
}

bool SearchPacer::go_on_many(uint64_t index, const ExploreResult& so_far) {
  if (index >= options_.max_executions) return false;
  if (cancel_requested()) return false;
  if (options_.time_limit_s > 0 || options_.on_progress) {
    const double now = elapsed_s();
    if (options_.time_limit_s > 0 && now >= options_.time_limit_s) return false;
    if (options_.on_progress && now >= next_progress_) {
      options_.on_progress(ExploreProgress{so_far.executions, so_far.bugs.size(), now});
      next_progress_ = now + 0.1;
    }
  }
  return true;
}

bool SearchPacer::only_the_budget_stops(uint64_t index) const {
  return !cancelled_ && index >= options_.max_executions &&
         (options_.time_limit_s <= 0 || elapsed_s() < options_.time_limit_s);
}

namespace {

/// run_execution(), inline in the loop of explore(): see Execution::run_search().
[[gnu::always_inline]] inline void run_one(const SimModel& model, Execution& x, Strategy& strategy,
                                           Monitor* monitor, RunResult& out) {
  x.run_search([&model, &x] { model(x); }, strategy, monitor, out);  // begins the monitor
  if (monitor != nullptr) monitor->end_run(out.findings);
  strategy.end_execution(ExecutionSummary{out.steps, out.status == RunStatus::kBlocked,
                                          !out.findings.empty(), out.status == RunStatus::kDeadlock,
                                          out.status == RunStatus::kPruned, x.outcomes(),
                                          x.pending_ops()});
  out.covers_the_rest = strategy.covers_the_rest();
}

}  // namespace

void run_execution(const SimModel& model, Execution& x, Strategy& strategy, Monitor* monitor,
                   RunResult& out) {
  run_one(model, x, strategy, monitor, out);
}

ExploreResult explore(const SimModel& model, Strategy& strategy, const ExploreOptions& options,
                      Monitor* monitor) {
  SearchPacer pacer(options);
  StackPool pool(options.execution.stack_size);
  Execution x(pool, options.execution);
  ExploreResult out;
  RunResult run;  // reused: its findings keep their capacity
  for (uint64_t index = 0;; ++index) {
    if (!pacer.go_on(index, out)) {
      // A budget used up by exactly the whole space leaves nothing out: complete all the same.
      out.complete = pacer.only_the_budget_stops(index) && !strategy.begin_execution(index);
      break;
    }
    if (!strategy.begin_execution(index)) {
      out.complete = true;
      break;
    }
    run_one(model, x, strategy, monitor, run);
    if (run.status == RunStatus::kAbandoned) {
      out.error = "strategy " + strategy.name() + " abandoned execution " +
                  std::to_string(index + 1) + ": " + run.abandon_reason;
      break;
    }
    // (A blocked or pruned run is counted as such whatever its preemptions.)
    const bool repeats = strategy.repeats_earlier(run.preemptions);
    if (tally_run(out, run, x.schedule(), x.random_values(), index + 1, repeats, options.all)) {
      break;
    }
    if (run.covers_the_rest) {
      out.strategy_exhausted = true;
      break;
    }
  }
  out.cancelled = pacer.cancelled() && !out.complete;
  out.elapsed_s = pacer.elapsed_s();
  out.resumed = x.restores();
  return out;
}

RunResult run_once(const SimModel& model, Strategy& strategy, Monitor* monitor,
                   const ExecutionConfig& config, RunRecord* record) {
  StackPool pool(config.stack_size);
  Execution x(pool, config);
  strategy.begin_execution(0);
  if (monitor != nullptr) monitor->begin_run();
  RunResult run = x.run([&model, &x] { model(x); }, strategy, monitor);
  if (monitor != nullptr) monitor->end_run(run.findings);
  if (record != nullptr) {
    record->schedule = x.schedule();
    record->decision_steps = x.decision_steps();
    record->random = x.random_values();
  }
  return run;
}

}  // namespace interleave
