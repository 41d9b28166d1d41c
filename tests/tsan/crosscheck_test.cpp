// ThreadSanitizer cross-check (ctest label `tsan`, built only in the tsan preset): for every model
// and variant of the registry, TSan's verdict on a native run must match the simulator's.
#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "models/registry.hpp"
#include "tests/cli_support.hpp"

namespace interleave {
namespace {

struct Case {
  std::string model;
  std::string variant;
};

std::vector<Case> every_variant() {
  std::vector<Case> out;
  for (const ModelInfo& m : models()) {
    for (const VariantSpec& v : m.variants) out.push_back(Case{m.name, v.name});
  }
  return out;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.model << " --variant " << c.variant;
}

class TsanCrosscheck : public ::testing::TestWithParam<Case> {};

TEST_P(TsanCrosscheck, ThreadSanitizerAgreesWithTheSimulator) {
  const Case& c = GetParam();
  // The crosscheck command retries racy variants that one short native run may miss.
  const auto r = testing::run_cli("crosscheck " + c.model + " --variant " + c.variant + " --json");
  ASSERT_TRUE(r.code == 0 || r.code == 1) << r.out << r.err;
  const auto j = r.json();
  ASSERT_EQ(j["rows"].size(), 1u) << r.out;
  const auto& row = j["rows"][0];
  EXPECT_TRUE(row["agree"].get<bool>())
      << c.model << " --variant " << c.variant << ": simulator says "
      << row["simulator"].get<std::string>() << ", ThreadSanitizer says "
      << row["tsan"].get<std::string>() << " after " << row["tsan_runs"] << " native run(s)"
      << " (last exit " << row["tsan_exit"] << ")";
  EXPECT_TRUE(row["simulator_complete"].get<bool>()) << "the simulator's search did not finish";
  EXPECT_FALSE(row["tsan_timed_out"].get<bool>()) << "a native run had to be killed";
  // The registry says which variants are buggy; a racy one must be among them.
  const VariantSpec* v = find_model(c.model).find_variant(c.variant);
  ASSERT_NE(v, nullptr);
  if (row["simulator"] == "race") EXPECT_TRUE(v->buggy);
}

INSTANTIATE_TEST_SUITE_P(Registry, TsanCrosscheck, ::testing::ValuesIn(every_variant()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.model + "_" + info.param.variant;
                         });

/// The headline case: TSan names the counter/heartbeat `values` race natively.
TEST(TsanNative, NaiveCounterHeartbeatRacesOnValuesAndTheLockedTwinsDoNot) {
  const auto naive = testing::run_cli("native counter_heartbeat --variant naive --duration 2");
  EXPECT_EQ(naive.code, 66) << "TSan exits 66 after a report\n" << naive.err;
  EXPECT_NE(naive.err.find("WARNING: ThreadSanitizer: data race"), std::string::npos) << naive.err;
  // The racing accesses are to the heap block TSan says was allocated where `values` is declared.
  const std::string source =
      testing::read_file(std::string(INTERLEAVE_SOURCE_DIR) + "/models/counter_heartbeat.hpp");
  const std::size_t decl = source.find("values(env, \"values\"");
  ASSERT_NE(decl, std::string::npos);
  const auto line = 1 + std::count(source.begin(), source.begin() + decl, '\n');
  const std::string allocated = "models/counter_heartbeat.hpp:" + std::to_string(line);
  const std::size_t heap = naive.err.find("Location is heap block");
  ASSERT_NE(heap, std::string::npos) << naive.err;
  EXPECT_NE(naive.err.find(allocated, heap), std::string::npos)
      << "expected the allocation at " << allocated << '\n'
      << naive.err;
  for (const char* twin : {"locked", "locked_yield", "cooperative"}) {
    const auto r = testing::run_cli(std::string("native counter_heartbeat --variant ") + twin +
                                    " --duration 2");
    EXPECT_EQ(r.code, 0) << twin << '\n' << r.out << r.err;
    EXPECT_EQ(r.err.find("ThreadSanitizer"), std::string::npos) << twin << '\n' << r.err;
  }
}

}  // namespace
}  // namespace interleave
