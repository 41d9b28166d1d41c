// Native benchmark: counter/heartbeat `locked` through the model template over StdEnv against the
// same program written by hand with std::thread and std::mutex. Prints figures; asserts nothing.
//   native_bench [size] [passes] [runs] [beats] [period]
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "models/counter_heartbeat.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Setup {
  uint32_t size = 100'000;  // the native default of `interleave native`
  uint64_t passes = 20'000;
  uint64_t beats = 5;
  double period_s = 0.05;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// counter_heartbeat<StdEnv>, the registry's model, on real threads: passes per second.
double through_model(const Setup& s) {
  using namespace interleave;
  CounterHeartbeatConfig c;
  c.variant = CounterVariant::kLocked;
  c.size = s.size;
  c.rounds = s.passes;
  c.beats = s.beats;
  c.period_s = s.period_s;
  NativeRun run;
  StdEnv env(run);
  const auto start = Clock::now();
  counter_heartbeat(env, c);
  const double elapsed = seconds_since(start);
  if (!run.findings().empty()) std::fprintf(stderr, "native_bench: the model reported a bug\n");
  return static_cast<double>(s.passes) / elapsed;
}

/// The same program by hand: a counter thread and a heartbeat thread, one std::mutex.
double by_hand(const Setup& s) {
  const auto values = std::make_unique<int64_t[]>(s.size);  // zeroed
  std::mutex lock;
  uint64_t violations = 0;
  std::vector<std::pair<int64_t, double>> beats;
  const auto start = Clock::now();
  std::thread counter([&] {
    for (uint64_t r = 0; r < s.passes; ++r) {
      lock.lock();
      for (uint32_t i = 0; i < s.size; ++i) values[i] = values[i] + 1;
      lock.unlock();
    }
  });
  std::thread heartbeat([&] {
    for (uint64_t b = 0; b < s.beats; ++b) {
      std::this_thread::sleep_for(std::chrono::duration<double>(s.period_s));
      lock.lock();
      const int64_t v0 = values[0];
      for (uint32_t i = 1; i < s.size; ++i) violations += values[i] != v0 ? 1 : 0;
      lock.unlock();
      beats.emplace_back(v0, seconds_since(start));
    }
  });
  counter.join();
  heartbeat.join();
  const double elapsed = seconds_since(start);
  if (violations != 0) std::fprintf(stderr, "native_bench: the hand-written loop lost a check\n");
  return static_cast<double>(s.passes) / elapsed;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Setup s;
  int runs = 5;
  if (argc > 1) s.size = static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10));
  if (argc > 2) s.passes = std::strtoull(argv[2], nullptr, 10);
  if (argc > 3) runs = std::max(1, std::atoi(argv[3]));
  if (argc > 4) s.beats = std::strtoull(argv[4], nullptr, 10);
  if (argc > 5) s.period_s = std::strtod(argv[5], nullptr);
  // Both programs allocate an array of the same size and free it at the end. Keep those arrays
  // on the heap so every run gets the same physical pages back: with a 100,000-element array
  // (800 KB) against a 1 MB L2, where fresh pages land decides between ~35,000 and ~65,000
  // passes/s, and the comparison must not hang on that luck.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  std::printf(
      "native counter/heartbeat `locked`: size=%u, %llu passes, %llu heartbeats every %.2f s; "
      "%d runs each, alternating\n",
      s.size, static_cast<unsigned long long>(s.passes), static_cast<unsigned long long>(s.beats),
      s.period_s, runs);
  std::vector<double> model_rates;
  std::vector<double> hand_rates;
  through_model(s);  // warm-up: first touch of the array's pages, thread start-up
  by_hand(s);
  for (int i = 0; i < runs; ++i) {  // alternate, so drifts in machine load hit both alike
    hand_rates.push_back(by_hand(s));
    model_rates.push_back(through_model(s));
  }
  const double model = median(model_rates);
  const double hand = median(hand_rates);
  std::printf("  through the model template (StdEnv):       %10.0f passes/s (median)\n", model);
  std::printf("  written by hand (std::thread, std::mutex): %10.0f passes/s (median)\n", hand);
  std::printf("  ratio model / hand: %.3f (target >= 0.95)\n", model / hand);
  std::printf("  spread: model %.0f..%.0f, hand %.0f..%.0f passes/s\n",
              *std::min_element(model_rates.begin(), model_rates.end()),
              *std::max_element(model_rates.begin(), model_rates.end()),
              *std::min_element(hand_rates.begin(), hand_rates.end()),
              *std::max_element(hand_rates.begin(), hand_rates.end()));
  return 0;
}
