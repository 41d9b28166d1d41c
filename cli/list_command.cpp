// interleave list: the registry, for people and for scripts.
#include <cstdint>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/report.hpp"
#include "models/registry.hpp"

namespace interleave::cli {

namespace {

/// 3, 100000, 0.001 as people write them (not 1e+05 or 3.0).
std::string number_text(double v) {
  return number_json(v).dump();
}

}  // namespace

int list_command(bool json) {
  if (json) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const ModelInfo& m : models()) {
      nlohmann::ordered_json variants = nlohmann::ordered_json::array();
      for (const VariantSpec& v : m.variants) {
        variants.push_back({{"name", v.name}, {"buggy", v.buggy}, {"description", v.description}});
      }
      nlohmann::ordered_json params = nlohmann::ordered_json::array();
      for (const ParamSpec& p : m.params) {
        nlohmann::ordered_json j = {{"name", p.name},
                                    {"default", number_json(p.default_value)},
                                    {"min", number_json(p.min)},
                                    {"max", number_json(p.max)},
                                    {"integer", p.integer},
                                    {"description", p.description}};
        if (p.native_default) j["native_default"] = number_json(*p.native_default);
        params.push_back(j);
      }
      all.push_back({{"name", m.name},
                     {"description", m.description},
                     {"variants", variants},
                     {"params", params}});
    }
    std::cout << nlohmann::ordered_json{{"models", all}}.dump() << '\n';
    return kExitClean;
  }
  for (const ModelInfo& m : models()) {
    std::cout << m.name << ": " << m.description << '\n';
    for (const VariantSpec& v : m.variants) {
      std::cout << "  --variant " << v.name << (v.buggy ? "  [buggy] " : "  ") << v.description
                << '\n';
    }
    for (const ParamSpec& p : m.params) {
      std::cout << "  --param " << p.name << "=" << number_text(p.default_value) << "  ("
                << number_text(p.min) << ".." << number_text(p.max);
      if (p.native_default) std::cout << ", native default " << number_text(*p.native_default);
      std::cout << ") " << p.description << '\n';
    }
  }
  return kExitClean;
}

}  // namespace interleave::cli
