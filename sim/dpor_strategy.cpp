// The dpor strategy: each execution is the search's next job, its outcome goes straight back.
#include "sim/dpor_strategy.hpp"

namespace interleave {

bool DporStrategy::begin_execution(uint64_t /*index*/) {
  if (!search_.next_job(job_)) return false;
  run_.start(job_);
  return true;
}

void DporStrategy::end_execution(const ExecutionSummary& summary) {
  run_.finish(summary.outcomes, summary.pending, summary.blocked, summary.deadlocked, outcome_);
  search_.integrate(job_, outcome_);
}

}  // namespace interleave
