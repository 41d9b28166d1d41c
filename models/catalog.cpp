// Registry entries of the smaller models: bug patterns with their correct twins, the race-verdict
// table, and the classic DPOR benchmarks.
#include "models/bank_transfer.hpp"
#include "models/bind.hpp"
#include "models/dining_philosophers.hpp"
#include "models/dpor_benchmarks.hpp"
#include "models/lock_order_inversion.hpp"
#include "models/race_table.hpp"
#include "models/registry.hpp"
#include "models/wakeup.hpp"

namespace interleave {
namespace {

ParamSpec threads_param(double default_n, const char* what) {
  return ParamSpec{"n", what, default_n, 1, 16, true, {}};
}

/// A DPOR benchmark: one correct variant, sized by n.
template <class Body>
ModelInfo benchmark(const char* name, const char* description, const char* n_means,
                    double default_n, Body body) {
  ModelInfo m;
  m.name = name;
  m.description = description;
  m.variants = {{"default", false, "as published"}};
  m.params = {threads_param(default_n, n_means)};
  m.bind = [body](const ParamValues& p) {
    const auto n = static_cast<uint32_t>(p.get("n"));
    return both_environments([body, n](auto& env) { body(env, n); });
  };
  return m;
}

}  // namespace

ModelInfo dining_philosophers_model() {
  ModelInfo m;
  m.name = "dining_philosophers";
  m.description = "philosophers around a table each need the forks on both sides to eat";
  m.variants = {
      {"naive", true, "everyone takes the left fork, then the right: a cycle of waits"},
      {"ordered", false, "everyone takes the lower-numbered fork first: no cycle"},
  };
  m.params = {{"seats", "philosophers (and forks)", 3, 2, 16, true, {}},
              {"meals", "meals each philosopher eats", 1, 1, 100, true, {}}};
  m.bind = [](const ParamValues& p) {
    PhilosophersConfig c;
    c.seats = static_cast<uint32_t>(p.get("seats"));
    c.meals = static_cast<uint32_t>(p.get("meals"));
    c.ordered = p.variant == "ordered";
    return both_environments([c](auto& env) { dining_philosophers(env, c); });
  };
  return m;
}

ModelInfo lock_order_model() {
  ModelInfo m;
  m.name = "lock_order";
  m.description = "two threads each take the same two mutexes; most schedules complete";
  m.variants = {
      {"inverted", true, "the threads take the mutexes in opposite orders"},
      {"same_order", false, "both take them in the same order"},
  };
  m.params = {{"work", "stores the second thread makes before locking", 4, 0, 1000, true, {}}};
  m.bind = [](const ParamValues& p) {
    LockOrderConfig c;
    c.inverted = p.variant == "inverted";
    c.work = static_cast<uint32_t>(p.get("work"));
    return both_environments([c](auto& env) { lock_order_inversion(env, c); });
  };
  return m;
}

ModelInfo bank_transfer_model() {
  ModelInfo m;
  m.name = "bank_transfer";
  m.description = "three tellers move money between two accounts after checking the balance";
  m.variants = {
      {"unlocked", true, "check-then-act with no lock: money is created or lost"},
      {"locked", false, "one bank lock around each transfer"},
  };
  m.params = {{"balance", "opening balance of each account", 100, 0, 1e9, true, {}},
              {"amount", "amount of each transfer", 60, 1, 1e9, true, {}}};
  m.bind = [](const ParamValues& p) {
    BankConfig c;
    c.locked = p.variant == "locked";
    c.balance = static_cast<int64_t>(p.get("balance"));
    c.amount = static_cast<int64_t>(p.get("amount"));
    return both_environments([c](auto& env) { bank_transfer(env, c); });
  };
  return m;
}

ModelInfo wakeup_model() {
  ModelInfo m;
  m.name = "wakeup";
  m.description = "consumers wait on a condition variable for items a producer adds";
  m.variants = {
      {"notify_first", true, "the consumer waits without a predicate: an early notify is lost"},
      {"if_wait", true,
       "`if` instead of `while` around the wait: a woken consumer takes an "
       "item another already took"},
      {"correct", false, "a predicate checked in a `while` loop around the wait"},
  };
  m.bind = [](const ParamValues& p) {
    const WakeupVariant v = p.variant == "notify_first" ? WakeupVariant::kNotifyFirst
                            : p.variant == "if_wait"    ? WakeupVariant::kIfWait
                                                        : WakeupVariant::kCorrect;
    return both_environments([v](auto& env) { wakeup(env, v); });
  };
  return m;
}

ModelInfo races_model() {
  ModelInfo m;
  m.name = "races";
  m.description = "the small programs every race detector must judge right";
  m.variants = {
      {"unsynchronized", true, "two threads write x with no synchronisation"},
      {"one_mutex", false, "both writes under one mutex"},
      {"spawn_orders", false, "the parent writes, then spawns the child that reads"},
      {"join_orders", false, "the child writes; the parent joins it, then reads"},
      {"atomic_flag", false, "data, then an atomic flag; the reader reads data if the flag is set"},
      {"plain_flag", true, "the same with a plain (non-atomic) flag"},
      {"two_mutexes", true, "each thread writes under a different mutex"},
      {"release_acquire", false,
       "the atomic flag stored with memory_order_release and loaded with memory_order_acquire"},
      {"relaxed_flag", true,
       "the atomic flag stored and loaded with memory_order_relaxed: it publishes nothing"},
  };
  m.bind = [](const ParamValues& p) {
    const std::string& v = p.variant;
    const RaceRow row = v == "unsynchronized"    ? RaceRow::kUnsynchronized
                        : v == "one_mutex"       ? RaceRow::kOneMutex
                        : v == "spawn_orders"    ? RaceRow::kSpawnOrders
                        : v == "join_orders"     ? RaceRow::kJoinOrders
                        : v == "atomic_flag"     ? RaceRow::kAtomicFlag
                        : v == "plain_flag"      ? RaceRow::kPlainFlag
                        : v == "release_acquire" ? RaceRow::kReleaseAcquire
                        : v == "relaxed_flag"    ? RaceRow::kRelaxedFlag
                                                 : RaceRow::kTwoMutexes;
    return both_environments([row](auto& env) { race_table(env, row); });
  };
  return m;
}

std::vector<ModelInfo> dpor_benchmark_models() {
  return {
      benchmark("lastzero",
                "thread 0 scans a[n..0] for the last zero while threads 1..n "
                "each set a[j] = a[j-1] + 1",
                "writer threads", 3, [](auto& env, uint32_t n) { lastzero(env, n); }),
      benchmark("readers", "one thread writes x while n threads read it", "reader threads", 3,
                [](auto& env, uint32_t n) { readers(env, n); }),
      benchmark("ainc", "n threads each atomically increment x", "threads", 3,
                [](auto& env, uint32_t n) { ainc(env, n); }),
      benchmark("cas", "n threads each try to compare-exchange x from 0", "threads", 3,
                [](auto& env, uint32_t n) { cas(env, n); }),
      benchmark("lockinc", "n threads each increment x under one mutex", "threads", 3,
                [](auto& env, uint32_t n) { lockinc(env, n); }),
  };
}

}  // namespace interleave
