// interleave native: the same model on real threads; failed checks and exceptions are findings.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/report.hpp"
#include "models/registry.hpp"
#include "models/std_env.hpp"

namespace interleave::cli {

int native_command(const NativeOptions& o) {
  const ModelInfo& model = find_model(o.choice.model);
  const ParamValues params = resolve_params(model, o.choice.variant, o.choice.params, true);
  const ModelRunners runners = model.bind(params);

  nlohmann::ordered_json notes = nlohmann::ordered_json::array();
  NativeRun run(o.duration_s, [&](const char* label, int64_t value, double seconds) {
    if (o.json) {
      notes.push_back({{"label", label}, {"value", value}, {"t", seconds}});
    } else {
      std::cout << format_note(model, label, value, seconds) << std::endl;
    }
  });
  StdEnv env(run);
  auto root = [&] { runners.native(env); };
  env.guarded("main", root);
  const double elapsed = run.now();
  const auto findings = run.findings();

  if (o.json) {
    nlohmann::ordered_json bugs = nlohmann::ordered_json::array();
    for (const auto& [f, count] : findings) {
      bugs.push_back({{"kind", kind_name(f.kind)}, {"message", f.message}, {"count", count}});
    }
    std::cout << nlohmann::ordered_json{{"model", model.name},
                                        {"variant", params.variant},
                                        {"params", params_json(params)},
                                        {"elapsed_s", elapsed},
                                        {"notes", notes},
                                        {"bugs", bugs}}
                     .dump()
              << '\n';
  } else {
    for (const auto& [f, count] : findings) {
      print_finding(std::cout, f);
      std::cout << "  happened " << count << " time" << (count == 1 ? "" : "s") << '\n';
    }
    std::cout << "ran " << model.name << " (" << params.variant << ") natively for " << elapsed
              << " s: " << (findings.empty() ? "clean" : "FAILED") << '\n';
  }
  return findings.empty() ? kExitClean : kExitBug;
}

}  // namespace interleave::cli
