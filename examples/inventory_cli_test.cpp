// README's "Your models on the command line": the inventory program (examples/inventory_cli.cpp)
// runs interleave's command line with the inventory model added.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "cli_support.hpp"
#include "models/bind.hpp"
#include "models/registry.hpp"

namespace {

using interleave::testing::CliResult;
using interleave::testing::path_in_scratch;
using interleave::testing::run_program;

CliResult inventory(const std::string& args) {
  return run_program(INVENTORY_BINARY, args);
}

TEST(InventoryCli, ListsItsModelBesideTheBuiltInOnes) {
  const CliResult r = inventory("list --json");
  ASSERT_EQ(r.code, 0) << r.err;
  bool mine = false;
  bool built_in = false;
  const nlohmann::json listing = r.json();
  for (const nlohmann::json& m : listing["models"]) {
    if (m["name"] == "inventory") {
      mine = true;
      ASSERT_EQ(m["variants"].size(), 2u);
      EXPECT_EQ(m["variants"][0]["name"], "unlocked");
      EXPECT_EQ(m["variants"][0]["buggy"], true);
      EXPECT_EQ(m["variants"][1]["name"], "locked");
    }
    built_in |= m["name"] == "counter_heartbeat";
  }
  EXPECT_TRUE(mine);
  EXPECT_TRUE(built_in);
}

TEST(InventoryCli, ExhaustiveSearchFindsTheOversale) {
  const CliResult r = inventory("explore inventory --strategy dpor --all --json");
  ASSERT_EQ(r.code, 1) << r.err;
  const nlohmann::json j = r.json();
  EXPECT_EQ(j["model"], "inventory");
  EXPECT_EQ(j["variant"], "unlocked");
  EXPECT_EQ(j["complete"], true);
  bool oversold = false;
  for (const nlohmann::json& bug : j["bugs"]) {
    oversold |=
        bug["message"].get<std::string>().find("never sell more than we had") != std::string::npos;
  }
  EXPECT_TRUE(oversold) << r.out;
}

TEST(InventoryCli, LockedVariantStaysClean) {
  const CliResult r = inventory("explore inventory --variant locked --strategy dpor --all --json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const nlohmann::json j = r.json();
  EXPECT_EQ(j["complete"], true);
  EXPECT_TRUE(j["bugs"].empty());
}

TEST(InventoryCli, SavedTraceReplaysWithThisProgramOnly) {
  const std::string trace = path_in_scratch("inventory-unlocked.json");
  const CliResult found = inventory("explore inventory --strategy dpor --save " + trace);
  ASSERT_EQ(found.code, 1) << found.err;
  // The command it prints to replay names this program, which knows the model.
  EXPECT_NE(found.out.find("replay: inventory replay " + trace), std::string::npos) << found.out;

  const CliResult again = inventory("replay " + trace);
  EXPECT_EQ(again.code, 1) << again.err;
  EXPECT_NE(again.out.find("never sell more than we had"), std::string::npos) << again.out;

  // interleave itself does not know the model: one line, exit 2.
  const CliResult stock = interleave::testing::run_cli("replay " + trace);
  EXPECT_EQ(stock.code, 2);
  EXPECT_EQ(stock.err_lines(), 1) << stock.err;
  EXPECT_NE(stock.err.find("unknown model 'inventory'"), std::string::npos) << stock.err;
  EXPECT_NE(stock.err.find("the trace was saved by inventory, which has it"), std::string::npos)
      << stock.err;
}

TEST(InventoryCli, RunsNativelyAndSaysItsOwnNameInErrors) {
  const CliResult native = inventory("native inventory --variant locked");
  EXPECT_EQ(native.code, 0) << native.out << native.err;

  const CliResult bad = inventory("explore inventory --variant sloppy");
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(bad.err_lines(), 1) << bad.err;
  EXPECT_EQ(bad.err.rfind("inventory: unknown variant 'sloppy'", 0), 0u) << bad.err;

  const CliResult usage = inventory("explore");
  EXPECT_EQ(usage.code, 2);
  EXPECT_NE(usage.err.find("see 'inventory explore --help'"), std::string::npos) << usage.err;
}

interleave::ModelInfo entry(const std::string& name) {
  interleave::ModelInfo m;
  m.name = name;
  m.variants = {{"only", false, ""}};
  m.bind = [](const interleave::ParamValues&) {
    return interleave::both_environments([](auto&) {});
  };
  return m;
}

TEST(AddModel, RefusesEntriesThatCannotWork) {
  auto refused = [](const interleave::ModelInfo& m, const std::string& because) {
    try {
      interleave::add_model(m);
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(because), std::string::npos) << e.what();
      return;
    }
    ADD_FAILURE() << "added " << m.name;
  };
  refused(entry("counter_heartbeat"), "there is a model named 'counter_heartbeat' already");
  refused(entry("two words"), "one word");
  interleave::ModelInfo no_variant = entry("no_variant");
  no_variant.variants.clear();
  refused(no_variant, "no variant");
  interleave::ModelInfo no_bind = entry("no_bind");
  no_bind.bind = nullptr;
  refused(no_bind, "no bind");
  interleave::ModelInfo twice = entry("twice");
  twice.variants.push_back(twice.variants.front());
  refused(twice, "two variants named 'only'");
  interleave::ModelInfo params_twice = entry("params_twice");
  params_twice.params = {{"n", "threads", 2, 1, 16, true, {}}, {"n", "again", 2, 1, 16, true, {}}};
  refused(params_twice, "two params named 'n'");
  interleave::ModelInfo bad_default = entry("bad_default");
  bad_default.params = {{"n", "threads", 20, 1, 16, true, {}}};
  refused(bad_default, "the default 20 is not a value it accepts");
  interleave::ModelInfo half = entry("half");
  half.params = {{"n", "threads", 2.5, 1, 16, true, {}}};
  refused(half, "the default 2.5 is not a value it accepts");
  interleave::ModelInfo bad_native = entry("bad_native");
  bad_native.params = {{"n", "threads", 2, 1, 16, true, 100}};
  refused(bad_native, "the default 100 is not a value it accepts");
  interleave::ModelInfo no_number = entry("no_number");
  no_number.params = {{"period", "seconds", std::nan(""), 0, 1, false, {}}};
  refused(no_number, "is not a value it accepts");
  interleave::ModelInfo endless = entry("endless");
  endless.params = {{"n", "threads", 2, 1, HUGE_VAL, true, {}}};
  refused(endless, "must be finite");
  interleave::ModelInfo upside_down = entry("upside_down");
  upside_down.params = {{"n", "threads", 2, 16, 1, true, {}}};
  refused(upside_down, "min 16 is above max 1");
  for (const char* name : {"bad_default", "half", "no_number", "endless", "upside_down"}) {
    EXPECT_EQ(interleave::find_model_or_null(name), nullptr) << name;
  }
}

TEST(AddModel, AddedModelIsFoundByName) {
  static int added = 0;  // a name of its own on every pass (--gtest_repeat)
  const std::string name = "added_here_" + std::to_string(++added);
  interleave::add_model(entry(name));
  const interleave::ModelInfo& m = interleave::find_model(name);
  EXPECT_EQ(m.variants.front().name, "only");
  EXPECT_EQ(&interleave::models().back(), &m);
}

}  // namespace
