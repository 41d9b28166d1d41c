// interleave crosscheck: for every model and variant, the simulator's race verdict (exhaustive
// DPOR with the checker) against ThreadSanitizer's on a native run of the same variant.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/checker.hpp"
#include "cli/commands.hpp"
#include "cli/subprocess.hpp"
#include "models/registry.hpp"
#include "sim/dpor_strategy.hpp"
#include "sim/fiber_sanitizer.hpp"
#include "sim/input_error.hpp"

namespace interleave::cli {
namespace {

constexpr const char* kRaceReport = "WARNING: ThreadSanitizer: data race";

struct SimVerdict {
  bool race = false;
  bool complete = false;  // the whole space was explored: "clean" is a proof, not a guess
  uint64_t executions = 0;
};

struct TsanVerdict {
  bool race = false;
  uint32_t runs = 0;       // native runs made (racy variants TSan missed are run again)
  int code = 0;            // the last run's exit code
  bool timed_out = false;  // the last run had to be killed
  std::string where;       // the first frame of the first race report, if any
};

struct Row {
  std::string model;
  std::string variant;
  SimVerdict sim;
  TsanVerdict tsan;
  bool agree() const { return sim.race == tsan.race; }
};

SimVerdict simulate_races(const ModelInfo& model, const std::string& variant) {
  const ParamValues params = resolve_params(model, variant, {});
  DporStrategy strategy;
  interleave::ExploreOptions search;
  search.max_executions = std::numeric_limits<uint64_t>::max();
  search.all = true;  // a race may hide behind another bug's first schedule
  search.time_limit_s = 60;
  Checker checker(CheckerOptions{.races = true, .lock_order = false, .explain = false});
  const ExploreResult r = explore(model.bind(params).sim, strategy, search, &checker);
  SimVerdict v;
  v.complete = r.complete;
  v.executions = r.executions;
  for (const BugRecord& b : r.bugs) v.race |= b.finding.kind == FindingKind::kDataRace;
  return v;
}

/// The first source frame under the report's headline ("#0 ... file:line").
std::string first_frame(const std::string& err, std::size_t report) {
  const std::size_t frame = err.find("#0 ", report);
  if (frame == std::string::npos) return {};
  const std::size_t end = err.find('\n', frame);
  std::string line = err.substr(frame, end == std::string::npos ? end : end - frame);
  const std::size_t space = line.rfind(' ');
  // "#0 fn(args) models/x.hpp:48 (interleave+0x...)": keep the file:line.
  const std::size_t open = line.rfind(" (");
  if (open != std::string::npos && open > 0) {
    const std::size_t start = line.rfind(' ', open - 1);
    if (start != std::string::npos) return line.substr(start + 1, open - start - 1);
  }
  return space == std::string::npos ? line : line.substr(space + 1);
}

TsanVerdict native_races(const CrosscheckOptions& o, const std::string& exe,
                         const std::string& model, const std::string& variant, bool expect_race) {
  TsanVerdict v;
  const uint32_t attempts = expect_race ? std::max<uint32_t>(1, o.attempts) : 1;
  char duration[32];
  char timeout[32];
  std::snprintf(duration, sizeof duration, "%g", o.duration_s);
  std::snprintf(timeout, sizeof timeout, "%g", o.timeout_s);
  for (v.runs = 1; v.runs <= attempts; ++v.runs) {
    const ChildResult r = run_child(
        {exe, "native", model, "--variant", variant, "--duration", duration, "--timeout", timeout},
        o.duration_s + o.timeout_s + 120);
    v.code = r.code;
    v.timed_out = r.timed_out;
    const std::size_t report = r.err.find(kRaceReport);
    if (report != std::string::npos) {
      v.race = true;
      v.where = first_frame(r.err, report);
      break;
    }
  }
  if (v.runs > attempts) v.runs = attempts;
  return v;
}

void print_table(const std::vector<Row>& rows) {
  std::size_t model_w = 5;
  std::size_t variant_w = 7;
  for (const Row& r : rows) {
    model_w = std::max(model_w, r.model.size());
    variant_w = std::max(variant_w, r.variant.size());
  }
  auto verdict = [](bool race) { return race ? "race" : "clean"; };
  std::printf("%-*s  %-*s  %-9s  %-9s  %s\n", static_cast<int>(model_w), "model",
              static_cast<int>(variant_w), "variant", "simulator", "tsan", "agree");
  std::size_t agreeing = 0;
  for (const Row& r : rows) {
    agreeing += r.agree() ? 1 : 0;
    std::string tsan = verdict(r.tsan.race);
    if (r.tsan.runs > 1) tsan += " (" + std::to_string(r.tsan.runs) + " runs)";
    std::printf("%-*s  %-*s  %-9s  %-9s  %s\n", static_cast<int>(model_w), r.model.c_str(),
                static_cast<int>(variant_w), r.variant.c_str(),
                (std::string(verdict(r.sim.race)) + (r.sim.complete ? "" : "?")).c_str(),
                tsan.c_str(), r.agree() ? "yes" : "NO");
  }
  std::printf("crosscheck: %zu of %zu variants agree%s\n", agreeing, rows.size(),
              agreeing == rows.size() ? "" : " (simulator and ThreadSanitizer disagree above)");
}

}  // namespace

int crosscheck_command(const CrosscheckOptions& o) {
  // The arguments first: a wrong one is said whichever build runs it.
  if (!o.variant.empty() && o.model.empty()) throw InputError("--variant needs a MODEL");
  std::vector<const ModelInfo*> chosen;
  if (o.model.empty()) {
    for (const ModelInfo& m : models()) chosen.push_back(&m);
  } else {
    const ModelInfo& m = find_model(o.model);
    if (!o.variant.empty()) (void)resolve_params(m, o.variant, {});  // names a bad variant
    chosen.push_back(&m);
  }
  if (!fiber_sanitizer::kThread) {
    std::cerr << program()
              << ": crosscheck needs a ThreadSanitizer build: run 'cmake --preset tsan && cmake "
                 "--build --preset tsan', then crosscheck with the "
              << program() << " built under build/tsan\n";
    return kExitInput;
  }
  const std::string exe = self_executable();
  const bool progress = ::isatty(STDERR_FILENO) != 0;
  std::vector<Row> rows;
  for (const ModelInfo* m : chosen) {
    for (const VariantSpec& v : m->variants) {
      if (!o.variant.empty() && v.name != o.variant) continue;
      if (progress) {
        std::fprintf(stderr, "\r\033[K  %s --variant %s", m->name.c_str(), v.name.c_str());
      }
      Row row{m->name, v.name, simulate_races(*m, v.name), {}};
      row.tsan = native_races(o, exe, m->name, v.name, row.sim.race);
      rows.push_back(std::move(row));
    }
  }
  if (progress) std::fprintf(stderr, "\r\033[K");

  bool all_agree = true;
  for (const Row& r : rows) all_agree &= r.agree();
  if (o.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Row& r : rows) {
      list.push_back({{"model", r.model},
                      {"variant", r.variant},
                      {"simulator", r.sim.race ? "race" : "clean"},
                      {"simulator_complete", r.sim.complete},
                      {"simulator_executions", r.sim.executions},
                      {"tsan", r.tsan.race ? "race" : "clean"},
                      {"tsan_runs", r.tsan.runs},
                      {"tsan_exit", r.tsan.code},
                      {"tsan_timed_out", r.tsan.timed_out},
                      {"tsan_where", r.tsan.where},
                      {"agree", r.agree()}});
    }
    std::cout << nlohmann::ordered_json{{"rows", list}, {"agree", all_agree}}.dump() << '\n';
  } else {
    print_table(rows);
  }
  return all_agree ? kExitClean : kExitBug;
}

}  // namespace interleave::cli
