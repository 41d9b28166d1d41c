// A model thread's stack overflow on the command line: said in one line, the run that overflowed
// saved with --save, and its replay overflowing the same way.
#include <gtest/gtest.h>

#include <string>

#include "sim/fiber_sanitizer.hpp"
#include "sim/trace.hpp"
#include "tests/cli_support.hpp"

namespace interleave {
namespace {

TEST(StackOverflowCli, TheRunThatOverflowedIsSavedAndItsReplayOverflowsTheSameWay) {
  if (fiber_sanitizer::kThread || fiber_sanitizer::kAddress) {
    GTEST_SKIP() << "the sanitizers report overflows themselves";
  }
  const std::string trace = testing::path_in_scratch("descent.json");
  // dfs runs the walker first (no overflow), then the setter first: the second execution.
  const auto found =
      testing::run_program(OVERFLOW_CLI_BINARY, "explore descent --strategy dfs --save " + trace);
  EXPECT_EQ(found.code, 1) << found.out << found.err;
  EXPECT_NE(found.err.find("interleave: thread 'walker' overflowed its stack (8 MiB) after "),
            std::string::npos)
      << found.err;
  EXPECT_NE(found.err.find("  saved: " + trace + " (its replay overflows the same way"),
            std::string::npos)
      << found.err;

  // A trace like any other: the model, the program that has it, the schedule so far.
  const Trace t = read_trace(trace);
  EXPECT_EQ(t.program, "overflow_cli");
  EXPECT_EQ(t.model, "descent");
  EXPECT_EQ(t.variant, "unbounded");
  EXPECT_EQ(t.strategy, "dfs");
  ASSERT_FALSE(t.schedule.empty());

  const auto replayed = testing::run_program(OVERFLOW_CLI_BINARY, "replay " + trace);
  EXPECT_EQ(replayed.code, 1) << replayed.out << replayed.err;
  EXPECT_NE(replayed.err.find("interleave: thread 'walker' overflowed its stack (8 MiB) after " +
                              std::to_string(t.schedule.size()) + " step"),
            std::string::npos)
      << replayed.err << "\nsteps recorded: " << t.schedule.size();

  // It has no events for replay --check to judge, which says so.
  const auto checked = testing::run_program(OVERFLOW_CLI_BINARY, "replay --check " + trace);
  EXPECT_EQ(checked.code, 2) << checked.out << checked.err;
  EXPECT_NE(checked.err.find("it has no events to check"), std::string::npos) << checked.err;

  // Without --save, nothing is written and nothing is said about it.
  const auto plain = testing::run_program(OVERFLOW_CLI_BINARY, "explore descent --strategy dfs");
  EXPECT_EQ(plain.code, 1);
  EXPECT_EQ(plain.err.find("saved"), std::string::npos) << plain.err;
}

TEST(StackOverflowCli, AnOverflowBetweenStepsStillReplays) {
  if (fiber_sanitizer::kThread || fiber_sanitizer::kAddress) {
    GTEST_SKIP() << "the sanitizers report overflows themselves";
  }
  // A step at every level: the last one recorded may come before the simulator's own code,
  // deep in the stack, overflows while deciding the next; the replay runs on past it.
  const std::string trace = testing::path_in_scratch("reading.json");
  for (const char* jobs : {"1", "2"}) {
    const auto found = testing::run_program(
        OVERFLOW_CLI_BINARY, "explore descent --variant reading --strategy dpor --all --jobs " +
                                 std::string(jobs) + " --save " + trace);
    EXPECT_EQ(found.code, 1) << found.out << found.err;
    EXPECT_NE(found.err.find("  saved: " + trace), std::string::npos) << found.err;
    EXPECT_GT(read_trace(trace).schedule.size(), 1000u) << "a step per level";
    const auto replayed = testing::run_program(OVERFLOW_CLI_BINARY, "replay " + trace);
    EXPECT_EQ(replayed.code, 1) << replayed.out << replayed.err;
    EXPECT_NE(replayed.err.find("interleave: thread 'walker' overflowed its stack"),
              std::string::npos)
        << replayed.err;
  }
}

}  // namespace
}  // namespace interleave
