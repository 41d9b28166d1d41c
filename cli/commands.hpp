// The interleave subcommands, each a function from parsed options to an exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace interleave {
struct ModelInfo;
}

namespace interleave::cli {

inline constexpr int kExitClean = 0;
inline constexpr int kExitBug = 1;
inline constexpr int kExitInput = 2;
/// Threads a search may use (--jobs): each has its own fibers and checker, and more than the
/// machine's cores only costs memory and switches.
inline constexpr unsigned kMaxJobs = 256;

/// The program's name as the commands it prints use it ("interleave", or the name of a program
/// of your own that runs the command line over your models).
const std::string& program();
void set_program(std::string name);

struct ModelChoice {
  std::string model;
  std::string variant;
  std::vector<std::string> params;  // "K=V"
};

struct ExploreOptions {
  ModelChoice choice;
  std::string strategy = "random";
  std::optional<std::string> preemptions;  // dfs bound: a number, or "" to raise it until a bug
  uint32_t depth = 3;                      // pct bug depth
  uint32_t jobs = 1;
  uint64_t executions = 0;  // 0: until done (dpor, dfs) or 1000 (random, rr)
  uint64_t seed = 1;
  uint64_t max_steps = 100'000;
  double time_limit_s = 0;
  bool all = false;
  bool json = false;
  std::string save;
  // Given on the command line (not left at their defaults): said to be ignored by a strategy
  // that takes no seed or depth.
  bool seed_given = false;
  bool depth_given = false;
};

struct ReplayOptions {
  std::string trace;
  bool check = false;  // judge the recorded events alone, without running the model
  bool timeline = false;
  bool json = false;
};

struct NativeOptions {
  ModelChoice choice;
  double duration_s = 5;
  double timeout_s = 5;  // every thread blocked this long: a deadlock (0: never)
  bool json = false;
};

struct CrosscheckOptions {
  std::string model;  // empty: every model
  std::string variant;
  double duration_s = 1;  // native runs of looping models
  double timeout_s = 2;   // native deadlock-by-timeout
  uint32_t attempts = 3;  // native runs of a racy variant before "TSan saw no race"
  bool json = false;
};

struct SimulateOptions {
  ModelChoice choice;
  std::string policy;  // empty: the variant's natural policy (gil; cooperative for asyncio)
  std::string fairness = "barging";
  double duration_s = 10;
  double switch_interval_ms = 5;
  int64_t op_cost_ns = 60;
  int64_t work_cost_ns = 1;
  int64_t wake_latency_ns = 2'000;
  uint64_t seed = 1;
  bool compare = false;
  bool json = false;
  std::string plot;
  std::string save;
};

struct ExportOptions {
  std::string trace;
  std::string format;  // perfetto or dot
  std::string output;  // empty or "-": standard output
};

int list_command(bool json);
int export_command(const ExportOptions& options);
int simulate_command(const SimulateOptions& options);
int explore_command(const ExploreOptions& options);
int replay_command(const ReplayOptions& options);
int native_command(const NativeOptions& options);
int crosscheck_command(const CrosscheckOptions& options);
/// `native` for a model that need not be in the registry (o.choice.model is not looked up).
int run_native(const ModelInfo& model, const NativeOptions& options);

}  // namespace interleave::cli
