// Simulator benchmark: cost of a scheduling step and random-exploration throughput.
// Prints figures; asserts nothing (timing belongs here, never in tests).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/context/fiber.hpp>

#include "checker/checker.hpp"
#include "models/bind.hpp"
#include "models/counter_heartbeat.hpp"
#include "models/registry.hpp"
#include "sim/dfs_strategy.hpp"
#include "sim/dpor_strategy.hpp"
#include "sim/fiber_switch.hpp"
#include "sim/parallel.hpp"
#include "sim/random_strategy.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// A search of everything: no executions budget, every bug.
interleave::ExploreOptions everything() {
  interleave::ExploreOptions options;
  options.max_executions = std::numeric_limits<uint64_t>::max();
  options.all = true;
  return options;
}

/// One-way cost of a bare Boost.Context fiber switch: the floor for a scheduling step.
double bare_switch_ns(long rounds) {
  namespace ctx = boost::context;
  ctx::fiber other([rounds](ctx::fiber&& back) {
    for (long i = 0; i < rounds; ++i) back = std::move(back).resume();
    return std::move(back);
  });
  const auto start = Clock::now();
  for (long i = 0; i <= rounds; ++i) other = std::move(other).resume();
  return seconds_since(start) * 1e9 / (2.0 * static_cast<double>(rounds));
}

#if INTERLEAVE_FIBER_SWITCH
/// One switch with interleave's own routine, from one out-of-line function as the simulator's
/// switch_to makes every switch.
[[gnu::noinline]] void* own_hop(void* to) {
  return interleave_fiber_switch(to, nullptr).from;
}
/// The same with Boost's.
[[gnu::noinline]] boost::context::fiber boost_hop(boost::context::fiber&& to) {
  return std::move(to).resume();
}

/// One-way cost of a switch as the simulator makes them (through one out-of-line function on
/// both sides), with interleave's switch (sim/fiber_switch.hpp) and with Boost's: {ours, Boost's}.
std::pair<double, double> hop_switch_ns(long rounds) {
  namespace ctx = boost::context;
  using interleave::fiber_switch::bits_of;
  using interleave::fiber_switch::set_bits;
  ctx::fiber other([rounds](ctx::fiber&& back) {
    void* to = bits_of(back);
    set_bits(back, nullptr);
    for (long i = 0; i < rounds; ++i) to = own_hop(to);
    set_bits(back, to);
    return std::move(back);  // Boost switches back, ending the fiber
  });
  void* to = bits_of(other);
  set_bits(other, nullptr);
  auto start = Clock::now();
  for (long i = 0; i <= rounds; ++i) to = own_hop(to);
  const double ours = seconds_since(start) * 1e9 / (2.0 * static_cast<double>(rounds));
  set_bits(other, to);  // null: the fiber has ended
  ctx::fiber boost_side([rounds](ctx::fiber&& back) {
    for (long i = 0; i < rounds; ++i) back = boost_hop(std::move(back));
    return std::move(back);
  });
  start = Clock::now();
  for (long i = 0; i <= rounds; ++i) boost_side = boost_hop(std::move(boost_side));
  const double boosts = seconds_since(start) * 1e9 / (2.0 * static_cast<double>(rounds));
  return {ours, boosts};
}
#endif

/// The benchmark model: counter/heartbeat naive, size 4, 2 rounds and 2 beats.
interleave::SimModel naive_4_2() {
  interleave::CounterHeartbeatConfig c;
  c.size = 4;
  c.rounds = 2;
  c.beats = 2;
  return interleave::simulated([c](auto& env) { counter_heartbeat(env, c); });
}

double explore_naive(const char* strategy_name, interleave::Strategy& strategy, uint64_t executions,
                     interleave::Monitor* monitor = nullptr) {
  using namespace interleave;
  const SimModel model = naive_4_2();
  ExploreOptions options;
  options.max_executions = executions;
  options.all = true;
  const ExploreResult r = explore(model, strategy, options, monitor);
  const double ns_per_step = r.elapsed_s * 1e9 / static_cast<double>(r.total_steps);
  std::printf(
      "%-18s naive size=4 rounds=2: %llu executions, %llu steps in %.3f s: %.1f ns/step, "
      "%.0f executions/s (%zu distinct bugs)\n",
      strategy_name, static_cast<unsigned long long>(r.executions),
      static_cast<unsigned long long>(r.total_steps), r.elapsed_s, ns_per_step,
      static_cast<double>(r.executions) / r.elapsed_s, r.bugs.size());
  return ns_per_step;
}

/// The cost split's scheduler: every run the same, a switch at every step where another thread
/// can go on (rr would end its search after a few runs, as every later run would repeat one).
class AlternateStrategy final : public interleave::Strategy {
 public:
  bool begin_execution(uint64_t /*index*/) override { return true; }
  interleave::ThreadId pick(const interleave::ChoicePoint& point) override {
    for (interleave::ThreadId t : point.enabled) {
      if (t != point.current) return t;
    }
    return point.current;
  }
  uint64_t pick_value(const interleave::ValuePoint& /*point*/) override { return 0; }
  std::string name() const override { return "alternate"; }
};

/// Splits the cost: an empty run (per-execution overhead), one thread alone (per step, no
/// switch), two threads forced to alternate (per step with a switch).
void cost_split() {
  using namespace interleave;
  constexpr uint64_t kRuns = 200'000;
  constexpr int kSteps = 32;
  auto measure = [](const char* what, const SimModel& model, int steps) {
    AlternateStrategy alternate;
    ExploreOptions options;
    options.max_executions = kRuns;
    options.all = true;
    const ExploreResult r = explore(model, alternate, options);
    std::printf("  %-34s %7.1f ns/execution  %5.1f ns/step\n", what,
                r.elapsed_s * 1e9 / static_cast<double>(r.executions),
                steps > 0 ? r.elapsed_s * 1e9 / static_cast<double>(r.total_steps) : 0.0);
  };
  measure("empty model", simulated([](auto&) {}), 0);
  measure("main alone, 32 stores", simulated([](auto& env) {
            Shared<SimEnv, int> x(env, "x");
            for (int i = 0; i < kSteps; ++i) x.store(i);
          }),
          kSteps);
  measure("main + 1 thread, 32 stores", simulated([](auto& env) {
            Shared<SimEnv, int> x(env, "x");
            auto t = env.spawn("t", [&] {
              for (int i = 0; i < kSteps; ++i) x.store(i);
            });
            t.join();
          }),
          kSteps + 2);
  measure("2 threads alternating, 32 stores", simulated([](auto& env) {
            Shared<SimEnv, int> x(env, "x");
            auto a = env.spawn("a", [&] {
              for (int i = 0; i < kSteps / 2; ++i) x.store(i);
            });
            auto b = env.spawn("b", [&] {
              for (int i = 0; i < kSteps / 2; ++i) x.store(i);
            });
            a.join();
            b.join();
          }),
          kSteps + 4);
}

/// Exhaustive search of naive size=4 rounds=2: every interleaving with dfs (checks on; alone and
/// with the race checker, as `explore --strategy dfs` runs it), one execution per trace with dpor.
/// `only`: "" every line; "dfs-plain" the dfs lines with checks on only; "dfs-kept" only the
/// one of them that resumes runs from kept states.
void exhaustive(const std::string& only = "") {
  using namespace interleave;
  const SimModel model = naive_4_2();
  const ExploreOptions options = everything();
  auto dfs_line = [&](const char* what, Monitor* monitor, bool resumable) {
    DfsStrategy dfs;
    ExploreOptions o = options;
    o.execution.resumable = resumable;  // as explore does for the model (ModelInfo::resumable)
    const ExploreResult d = explore(model, dfs, o, monitor);
    std::printf(
        "dfs  --all naive size=4 rounds=2, %s%s: %llu executions in %.2f s: %.0f executions/s, "
        "%.1f ns/step\n",
        what, resumable ? ", resumed from kept states" : ", every run from the start",
        static_cast<unsigned long long>(d.executions), d.elapsed_s,
        static_cast<double>(d.executions) / d.elapsed_s,
        d.elapsed_s * 1e9 / static_cast<double>(d.total_steps));
  };
  dfs_line("checks on", nullptr, true);
  if (only == "dfs-kept") return;
  dfs_line("checks on", nullptr, false);
  if (only == "dfs-plain") return;
  Checker checker(CheckerOptions{.explain = false});
  dfs_line("checks and race detector on", &checker, true);
  dfs_line("checks and race detector on", &checker, false);
  DporStrategy dpor;
  const ExploreResult p = explore(model, dpor, options);
  std::printf("dpor --all naive size=4 rounds=2: %llu executions in %.2f ms\n",
              static_cast<unsigned long long>(p.executions), p.elapsed_s * 1e3);
}

/// lastzero n=12 (15,360 traces), the model of the parallel figures.
interleave::SimModel lastzero_12() {
  using namespace interleave;
  const ModelInfo& info = find_model("lastzero");
  return info.bind(resolve_params(info, "", {"n=12"})).sim;
}

const interleave::CheckerOptions kLean{.races = true, .lock_order = true, .explain = false};

/// `dpor --all` on lastzero n=12 with the checker on one thread, as `explore --jobs 1` runs it.
double dpor_one_thread(const interleave::SimModel& model) {
  using namespace interleave;
  const ExploreOptions options = everything();
  DporStrategy dpor;
  Checker checker(kLean);
  return explore(model, dpor, options, &checker).elapsed_s;
}

/// The middle of `v` (sorted here).
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// `dpor --all` on lastzero n=12 with the checker, as `explore --jobs J` runs it, in paired
/// rounds. The virtual CPUs of this shared host change speed from minute to minute, and one of
/// them often slows down while the other is busy, so a best-of-N on each side compares moments
/// that differ. Each round measures, back to back:
///   - one thread alone, before and after (the faster of the two is `--jobs 1`);
///   - two independent one-thread searches at once: what the two CPUs can do together now, from
///     which the ideal `--jobs 2` time is 1 / (1/a + 1/b);
///   - `--jobs 2`, with the CPU time it spends.
/// Its efficiency is the ideal time over the time taken: 100% means splitting the search cost
/// nothing beyond what the machine itself loses with both CPUs busy.
void parallel_speedup(int rounds) {
  using namespace interleave;
  const SimModel model = lastzero_12();
  const ExploreOptions options = everything();
  std::vector<double> speedups;
  std::vector<double> efficiencies;
  std::vector<double> one;
  std::vector<double> two;
  std::vector<double> capacities;
  uint64_t executions = 0;
  DporParallelStats stats;
  double cpu_one = 0;
  double cpu_two = 0;
  auto cpu_s = [] { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; };
  for (int i = 0; i < rounds; ++i) {
    double c = cpu_s();
    const double before = dpor_one_thread(model);
    cpu_one += cpu_s() - c;
    double other = 0;
    std::thread t([&] { other = dpor_one_thread(model); });
    const double mine = dpor_one_thread(model);
    t.join();
    const double ideal = 1 / (1 / mine + 1 / other);
    c = cpu_s();
    const ExploreResult r = explore_dpor_parallel(
        model, options, 2, [] { return std::make_unique<Checker>(kLean); }, &stats);
    cpu_two += cpu_s() - c;
    executions = r.executions;
    const double after = dpor_one_thread(model);
    const double t1 = std::min(before, after);
    one.push_back(t1);
    two.push_back(r.elapsed_s);
    speedups.push_back(t1 / r.elapsed_s);
    efficiencies.push_back(ideal / r.elapsed_s);
    capacities.push_back(t1 / ideal);
  }
  std::printf(
      "dpor --all lastzero n=12 (%llu executions, checker on), %d paired rounds: --jobs 1 %.3f s, "
      "--jobs 2 %.3f s (medians): %.2fx (median; %.2fx to %.2fx), where two independent searches "
      "at once did %.2fx the work of one (median); --jobs 2 took %.0f%% of that ideal's speed "
      "(median; %.0f%% to %.0f%%)\n",
      static_cast<unsigned long long>(executions), rounds, median(one), median(two),
      median(speedups), *std::min_element(speedups.begin(), speedups.end()),
      *std::max_element(speedups.begin(), speedups.end()), median(capacities),
      100 * median(efficiencies), 100 * *std::min_element(efficiencies.begin(), efficiencies.end()),
      100 * *std::max_element(efficiencies.begin(), efficiencies.end()));
  std::printf(
      "  last run gave %llu subtrees away, %llu spoiled (%llu runs redone), idle %.3f s in %llu "
      "waits; CPU time per search %.3f s on one thread, %.3f s on two (%+.0f%%)\n",
      static_cast<unsigned long long>(stats.parts), static_cast<unsigned long long>(stats.spoiled),
      static_cast<unsigned long long>(stats.spoiled_runs), stats.idle_s,
      static_cast<unsigned long long>(stats.waits), cpu_one / rounds, cpu_two / rounds,
      100.0 * (cpu_two / cpu_one - 1.0));
}

/// dfs --all over naive size=4 rounds=2 with the checker, as `explore --strategy dfs --jobs J`
/// runs it: J = 1 and J = 2 alternating, the best of each.
void dfs_parallel_speedup(int runs) {
  using namespace interleave;
  const SimModel model = naive_4_2();
  const ExploreOptions options = everything();
  const MonitorFactory checkers = [] { return std::make_unique<Checker>(kLean); };
  double t1 = 1e9;
  double t2 = 1e9;
  uint64_t executions = 0;
  DporParallelStats stats;
  for (int i = 0; i < runs; ++i) {
    t1 = std::min(t1, explore_dfs_parallel(model, options, std::nullopt, 1, checkers).elapsed_s);
    const ExploreResult r = explore_dfs_parallel(model, options, std::nullopt, 2, checkers, &stats);
    t2 = std::min(t2, r.elapsed_s);
    executions = r.executions;
  }
  std::printf(
      "dfs  --all naive size=4 rounds=2 (%llu executions, checker on), best of %d: --jobs 1 "
      "%.2f s, --jobs 2 %.2f s: %.2fx; last run gave %llu subtrees away, idle %.3f s\n",
      static_cast<unsigned long long>(executions), runs, t1, t2, t1 / t2,
      static_cast<unsigned long long>(stats.parts), stats.idle_s);
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t executions = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200'000;
  // A second argument runs one section alone (for a profiler): split (the cost split), dfs,
  // dfs-plain (the dfs lines with checks on only), dfs-kept (the one of them that resumes from
  // kept states), dpor (lastzero n=12 on one thread) or parallel.
  const std::string only = argc > 2 ? argv[2] : "";
  if (only == "split") {
    cost_split();
    return 0;
  }
  if (only == "dfs-plain" || only == "dfs-kept") {
    exhaustive(only);
    return 0;
  }
  if (only == "dfs") {
    exhaustive();
    return 0;
  }
  if (only == "dpor") {  // lastzero n=12 on one thread, with the checker
    std::printf("dpor --all lastzero n=12, one thread: %.3f s\n", dpor_one_thread(lastzero_12()));
    return 0;
  }
  if (only == "parallel") {
    parallel_speedup(7);
    dfs_parallel_speedup(3);
    return 0;
  }
  std::printf("bare fiber switch: %.2f ns one way\n", bare_switch_ns(5'000'000));
#if INTERLEAVE_FIBER_SWITCH
  const auto [ours, boosts] = hop_switch_ns(5'000'000);
  std::printf(
      "fiber switch through one call on each side, as runs switch: %.2f ns one way with "
      "interleave's own (runs use it), %.2f ns with Boost's\n",
      ours, boosts);
#endif
  std::printf("cost split (a switch at every step where another thread can go on):\n");
  cost_split();
  interleave::RandomStrategy random(1);
  const double off = explore_naive("random", random, executions);
  // The race detector as explore runs it: lean while searching.
  interleave::Checker checker(interleave::CheckerOptions{.explain = false});
  interleave::RandomStrategy random_again(1);
  const double on = explore_naive("random + checker", random_again, executions, &checker);
  std::printf("race and lock-order checker: %.2fx the cost per step (%.1f vs %.1f ns)\n", on / off,
              on, off);
  exhaustive();
  parallel_speedup(7);
  dfs_parallel_speedup(3);
  return 0;
}
