// The model registry: names, variants, parameters with ranges, and how to run each model.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/native_run.hpp"
#include "sim/runner.hpp"

namespace interleave {

class StdEnv;

struct VariantSpec {
  std::string name;
  bool buggy = false;  // expected to yield findings (tests and cross-checks rely on it)
  std::string description;
};

struct ParamSpec {
  std::string name;
  std::string description;
  double default_value = 0;
  double min = 0;
  double max = 0;
  bool integer = true;
  /// Default for native runs (real threads), when it differs from the exploration default.
  std::optional<double> native_default{};
};

/// A model's parameters after defaults and overrides, in registry order.
struct ParamValues {
  std::string variant;
  std::vector<std::pair<std::string, double>> values;
  double get(std::string_view name) const;
};

struct ModelRunners {
  SimModel sim;
  std::function<void(StdEnv&)> native;
};

struct ModelInfo {
  std::string name;
  std::string description;
  std::vector<VariantSpec> variants;  // the first is the default
  std::vector<ParamSpec> params;
  std::function<ModelRunners(const ParamValues&)> bind;
  /// Its simulated runs keep all their state on their threads' stacks and in simulated objects
  /// (no std::vector, std::string or new of its own while it runs): a dfs search then resumes
  /// runs from states earlier runs kept instead of re-running their first steps
  /// (ExecutionConfig::resumable). Wrong results if it is not so: set it only for such a model.
  bool resumable = false;
  /// Human line for a note ("All values are 3 at +1.00 s"); empty: "label = value at +T s".
  std::function<std::string(std::string_view label, int64_t value, double seconds)> format_note;

  const VariantSpec* find_variant(std::string_view variant) const;
};

/// Every model: the built-in ones, then those add_model() added, in the order added.
const std::vector<ModelInfo>& models();
/// Throws InputError naming the unknown model.
const ModelInfo& find_model(std::string_view name);
/// The model named `name`, or null.
const ModelInfo* find_model_or_null(std::string_view name);
/// Adds a model of your own to the registry, for run_command_line() (cli/command_line.hpp) and
/// everything else that finds models by name. Call it before anything looks a model up: at the
/// start of main(). Throws std::invalid_argument, naming what is wrong, for an entry that cannot
/// work: a name taken or not one word, no variant, no bind, a default out of its param's range.
void add_model(ModelInfo model);

/// Applies defaults (exploration or native) and "K=V" overrides; throws InputError on an unknown
/// variant or param, a value that is not a number, not whole, or out of range.
ParamValues resolve_params(const ModelInfo& model, std::string_view variant,
                           const std::vector<std::string>& overrides, bool native = false);

/// Checks a trace's recorded params against the model; throws InputError on a mismatch.
ParamValues params_from_trace(const ModelInfo& model, const std::string& variant,
                              const std::vector<std::pair<std::string, double>>& params);

std::string format_note(const ModelInfo& model, std::string_view label, int64_t value,
                        double seconds);

// Registry entries.
ModelInfo counter_heartbeat_model();
ModelInfo dining_philosophers_model();
ModelInfo lock_order_model();
ModelInfo bank_transfer_model();
ModelInfo wakeup_model();
ModelInfo races_model();
std::vector<ModelInfo> dpor_benchmark_models();

}  // namespace interleave
