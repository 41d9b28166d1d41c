// interleave export: a trace drawn for Perfetto (Chrome JSON trace events) and for Graphviz.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "sim/trace.hpp"
#include "tests/cli_support.hpp"

namespace interleave {
namespace {

using testing::path_in_scratch;
using testing::read_file;
using testing::run_cli;

/// The regression trace of the races model: the writer stores x then flag, the reader loads flag
/// then x, nothing orders them: two data races.
std::string race_trace() {
  return std::string(INTERLEAVE_SOURCE_DIR) + "/traces/races-plain_flag-data_race.json";
}

/// The step of the first recorded event of `thread` doing `op` on `object`.
uint64_t step_of(const Trace& t, uint32_t thread, Op op, const std::string& object) {
  for (const RecordedEvent& e : t.events) {
    if (e.thread == thread && e.op == op && e.object == object) return e.step;
  }
  ADD_FAILURE() << "no " << op_name(op) << " of " << object << " by thread " << thread;
  return 0;
}

TEST(Export, PerfettoHasATrackPerThreadASlicePerEventAndTheRaces) {
  const Trace t = read_trace(race_trace());
  const auto r = run_cli("export " + race_trace() + " --format perfetto");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = r.json();
  std::map<int, std::string> thread_names;
  int slices = 0;
  std::map<std::string, std::pair<double, double>> flows;  // "name id" -> (start ts, end ts)
  std::vector<std::string> findings;
  for (const nlohmann::json& e : j["traceEvents"]) {
    const std::string ph = e["ph"];
    if (ph == "M" && e["name"] == "thread_name") {
      thread_names[e["tid"].get<int>()] = e["args"]["name"];
    } else if (ph == "X") {
      ++slices;
      // A step is one microsecond: the slice sits within its step.
      const auto step = e["args"]["step"].get<double>();
      EXPECT_GE(e["ts"].get<double>(), step);
      EXPECT_LE(e["ts"].get<double>() + e["dur"].get<double>(), step + 1 + 1e-9);
    } else if (ph == "s" || ph == "f") {
      auto& [from, to] = flows[e["name"].get<std::string>() + " " + e["id"].dump()];
      (ph == "s" ? from : to) = e["ts"].get<double>();
    } else if (ph == "i") {
      findings.push_back(e["args"]["kind"]);
    }
  }
  ASSERT_EQ(thread_names.size(), t.threads.size());
  for (std::size_t i = 0; i < t.threads.size(); ++i) {
    EXPECT_EQ(thread_names[static_cast<int>(i)], std::to_string(i) + " " + t.threads[i]);
  }
  EXPECT_EQ(slices, static_cast<int>(t.events.size()));
  EXPECT_EQ(findings, (std::vector<std::string>{"data_race", "data_race"}));
  // Each race is an arrow from the store to the load that races with it.
  std::vector<std::pair<double, double>> races;
  int spawns = 0;
  int joins = 0;
  for (const auto& [name, ends] : flows) {
    if (name.rfind("data race", 0) == 0) races.push_back(ends);
    spawns += name.rfind("spawn", 0) == 0;
    joins += name.rfind("join", 0) == 0;
  }
  std::sort(races.begin(), races.end());
  ASSERT_EQ(races.size(), 2u);
  const auto at = [](uint64_t step) { return static_cast<double>(step); };
  EXPECT_EQ(races[0].first, at(step_of(t, 1, Op::kStore, "x")));
  EXPECT_EQ(races[0].second, at(step_of(t, 2, Op::kLoad, "x")));
  EXPECT_EQ(races[1].first, at(step_of(t, 1, Op::kStore, "flag")));
  EXPECT_EQ(races[1].second, at(step_of(t, 2, Op::kLoad, "flag")));
  EXPECT_EQ(spawns, 2);
  EXPECT_EQ(joins, 2);
}

TEST(Export, PerfettoShowsAMutexHeldAsASpan) {
  // The deadlock regression trace: its threads take a mutex and wait on a condition variable.
  const std::string deadlock =
      std::string(INTERLEAVE_SOURCE_DIR) + "/traces/wakeup-notify_first-deadlock.json";
  const auto r = run_cli("export " + deadlock + " --format perfetto");
  ASSERT_EQ(r.code, 0) << r.err;
  int begins = 0;
  int ends = 0;
  std::vector<std::string> findings;
  const nlohmann::json j = r.json();  // (a range-for would not keep a temporary alive)
  for (const nlohmann::json& e : j["traceEvents"]) {
    if (e["ph"] == "b") {
      ++begins;
      EXPECT_EQ(e["name"].get<std::string>().rfind("holds ", 0), 0u) << e;
    }
    if (e["ph"] == "e") ++ends;
    if (e["ph"] == "i") findings.push_back(e["args"]["kind"]);
  }
  EXPECT_GT(begins, 0);
  EXPECT_EQ(begins, ends);
  // The checker cannot see a deadlock in events alone: the trace's verdict marks it.
  EXPECT_EQ(findings, std::vector<std::string>{"deadlock"});
}

TEST(Export, ATimedTraceIsRefusedInOneLine) {
  const std::string trace = path_in_scratch("timed.json");
  ASSERT_EQ(
      run_cli("simulate counter_heartbeat --variant locked --duration 0.5 --save " + trace).code,
      0);
  const auto r = run_cli("export " + trace + " --format perfetto");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err_lines(), 1) << r.err;
  EXPECT_NE(r.err.find("timed run"), std::string::npos) << r.err;
}

TEST(Export, DotIsAGraphOfTheStepsWithTheRacesInRed) {
  const Trace t = read_trace(race_trace());
  const auto r = run_cli("export " + race_trace() + " --format dot");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string& g = r.out;
  EXPECT_EQ(g.rfind("digraph ", 0), 0u) << g;
  EXPECT_EQ(std::count(g.begin(), g.end(), '{'), std::count(g.begin(), g.end(), '}'));
  for (std::size_t i = 0; i < t.threads.size(); ++i) {
    EXPECT_NE(g.find("subgraph cluster_" + std::to_string(i) + " {"), std::string::npos);
  }
  // One node per event, labelled with its step and operation.
  const std::regex node_line(R"(^\s+e(\d+) \[label=\"(\d+): ([a-z_]+))");
  std::map<int, std::pair<uint64_t, std::string>> nodes;
  std::istringstream lines(g);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, node_line)) {
      nodes[std::stoi(m[1])] = {std::stoull(m[2]), m[3]};
    }
  }
  ASSERT_EQ(nodes.size(), t.events.size());
  for (const auto& [i, node] : nodes) {
    EXPECT_EQ(node.first, t.events[i].step);
    EXPECT_EQ(node.second, op_name(t.events[i].op));
  }
  // The races: red edges from each store to the load of the same location.
  auto index_of = [&](uint32_t thread, Op op, const std::string& object) {
    for (std::size_t i = 0; i < t.events.size(); ++i) {
      const RecordedEvent& e = t.events[i];
      if (e.thread == thread && e.op == op && e.object == object) return i;
    }
    return t.events.size();
  };
  for (const std::string object : {"x", "flag"}) {
    const std::string edge = "e" + std::to_string(index_of(1, Op::kStore, object)) + " -> e" +
                             std::to_string(index_of(2, Op::kLoad, object)) + " [color=red";
    EXPECT_NE(g.find(edge), std::string::npos) << edge << "\n" << g;
  }
  // Spawn edges from main to each thread's first step.
  EXPECT_NE(g.find("e0 -> e" + std::to_string(index_of(1, Op::kStore, "x")) +
                   " [color=blue, style=dashed, label=\"spawn\"]"),
            std::string::npos)
      << g;
}

TEST(Export, ATraceWithoutEventsIsReplayedToDrawIt) {
  // Only the schedule: export runs the model to learn what each step did.
  const std::string trace = path_in_scratch("bare.json");
  {
    std::ofstream out(trace);
    out << R"({"format":"interleave-trace","version":1,"model":"counter_heartbeat",)"
        << R"("variant":"naive","params":{"size":2,"rounds":1},"mode":"untimed",)"
        << R"("schedule":[0,0,0,0,1,1,1,1,2,2,2,0,0]})";
  }
  const auto r = run_cli("export " + trace + " --format dot");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("store values[0] = 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("subgraph cluster_2"), std::string::npos) << r.out;
}

/// The dot graph of the races model's flag variant `variant` where the writer runs first, then
/// the reader: main spawns both, the writer stores x and the flag, the reader loads the flag and
/// x, main joins both (a schedule alone: export runs the model).
std::string flag_graph(const std::string& variant) {
  const std::string trace = path_in_scratch(variant + ".json");
  {
    std::ofstream out(trace);
    out << R"({"format":"interleave-trace","version":1,"model":"races","variant":")" << variant
        << R"(","params":{},"mode":"untimed","schedule":[0,0,1,1,2,2,0,0]})";
  }
  const auto r = run_cli("export " + trace + " --format dot");
  EXPECT_EQ(r.code, 0) << r.err;
  return r.out;
}

TEST(Export, AnAtomicReleaseReadByAnAcquireIsAnEdge) {
  const std::string edge = "[color=blue, style=dashed, label=\"release, acquire\"]";
  const std::string ordered = flag_graph("release_acquire");
  const std::size_t at = ordered.find(edge);
  ASSERT_NE(at, std::string::npos) << ordered;
  EXPECT_EQ(ordered.find(edge, at + 1), std::string::npos) << "one edge only\n" << ordered;
  // It goes from the writer's store of the flag to the reader's load of it.
  const std::size_t line = ordered.rfind('\n', at) + 1;
  const std::string from_to = ordered.substr(line, at - line);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(from_to, m, std::regex(R"(e(\d+) -> e(\d+))"))) << from_to;
  const auto label_of = [&](const std::string& node) {
    const std::size_t n = ordered.find("  " + node + " [label=\"");
    return n == std::string::npos ? std::string() : ordered.substr(n, ordered.find('\n', n) - n);
  };
  EXPECT_NE(label_of("e" + m[1].str()).find("atomic_store flag"), std::string::npos)
      << label_of("e" + m[1].str());
  EXPECT_NE(label_of("e" + m[2].str()).find("atomic_load flag"), std::string::npos)
      << label_of("e" + m[2].str());
  // A relaxed flag orders nothing: no edge, and the race on x is drawn instead.
  const std::string relaxed = flag_graph("relaxed_flag");
  EXPECT_EQ(relaxed.find("release, acquire"), std::string::npos) << relaxed;
  EXPECT_NE(relaxed.find("[color=red"), std::string::npos) << relaxed;
}

TEST(Export, ToAFileSaysWhereAndWritesWhatStandardOutputGets) {
  const std::string file = path_in_scratch("race.perfetto.json");
  const auto to_file = run_cli("export " + race_trace() + " --format perfetto -o " + file);
  ASSERT_EQ(to_file.code, 0) << to_file.err;
  EXPECT_NE(to_file.out.find("ui.perfetto.dev"), std::string::npos) << to_file.out;
  EXPECT_EQ(read_file(file), run_cli("export " + race_trace() + " --format perfetto").out);
}

struct BadExport {
  const char* name;
  std::string args;
  const char* says;
};

class ExportBadInput : public ::testing::TestWithParam<BadExport> {};

TEST_P(ExportBadInput, OneLineAndExitTwo) {
  const auto r = run_cli(GetParam().args);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(r.err_lines(), 1) << r.err;
  EXPECT_NE(r.err.find(GetParam().says), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    Export, ExportBadInput,
    ::testing::Values(
        BadExport{"UnknownFormat", "export " + race_trace() + " --format svg",
                  "--format svg: unknown format (perfetto or dot)"},
        BadExport{"NoFormat", "export " + race_trace(), "--format is required"},
        BadExport{"MissingTrace", "export /nonexistent/trace.json --format dot", "cannot open"},
        BadExport{"UnwritableOutput",
                  "export " + race_trace() + " --format dot -o /nonexistent/dir/g.dot",
                  "-o /nonexistent/dir/g.dot: no directory /nonexistent/dir"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace interleave
