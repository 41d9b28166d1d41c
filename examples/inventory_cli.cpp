// README's "Your models on the command line": interleave's command line with the inventory model
// added, as a program of your own would run it (`inventory explore inventory ...`).
#include "cli/command_line.hpp"
#include "examples/inventory.hpp"
#include "models/bind.hpp"
#include "models/registry.hpp"

namespace {

interleave::ModelInfo inventory_model() {
  interleave::ModelInfo m;
  m.name = "inventory";
  m.description = "two clerks sell the last item in stock";
  // The first variant is the default; `buggy` says which ones should yield findings.
  m.variants = {
      {"unlocked", true, "each clerk checks the stock, then sells: both may sell the last item"},
      {"locked", false, "a mutex held across the check and the sale"},
  };
  // Params (none here) are declared with a range and a default: {"clerks", "how many clerks",
  // 2, 1, 16}, read in bind as p.get("clerks").
  m.bind = [](const interleave::ParamValues& p) {
    const bool with_lock = p.variant == "locked";
    return interleave::both_environments(
        [with_lock](auto& env) { shop::sell_last_item(env, with_lock); });
  };
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  interleave::add_model(inventory_model());
  return interleave::run_command_line(argc, argv);
}
