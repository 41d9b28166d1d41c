// interleave export: a saved trace as a picture. Two formats:
//  - perfetto: Chrome's JSON trace events, which https://ui.perfetto.dev (and chrome://tracing)
//    open: one track per thread, one slice per step (a step is one microsecond on the time axis),
//    mutex holds as spans, happens-before edges between threads as flow arrows, findings as
//    markers;
//  - dot: a Graphviz digraph (dot -Tsvg): one column per thread, steps from top to bottom in the
//    order they ran, program order within a thread, synchronisation between threads as blue
//    edges, a data race as a red edge between its two accesses.
// The events come from the trace when it recorded them (no model code runs), otherwise from a
// replay of its schedule.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/offline_check.hpp"
#include "cli/report.hpp"
#include "sim/input_error.hpp"

namespace interleave::cli {
namespace {

/// What export draws: the run's events, its threads, what was found in it.
struct Run {
  std::string title;  // "counter_heartbeat naive"
  std::vector<RecordedEvent> events;
  std::vector<std::string> threads;
  std::vector<Finding> findings;
};

Run load_run(const ExportOptions& o, const Trace& t) {
  Run run;
  run.title = t.model + " " + t.variant;
  if (!t.events.empty()) {
    run.events = t.events;
    run.threads = t.threads;
    try {
      run.findings = check_offline(t);
    } catch (const InputError& e) {
      throw InputError("trace " + o.trace + ": " + e.what());
    }
    // A finding the checker cannot see in events alone (a deadlock, a step limit): the verdict.
    if (t.verdict) {
      bool seen = false;
      for (const Finding& f : run.findings) seen |= f.kind == t.verdict->kind;
      if (!seen) {
        run.findings.insert(run.findings.begin(),
                            Finding{t.verdict->kind, t.verdict->message, t.verdict->step, {}, {}});
      }
    }
  } else if (t.timing) {
    throw InputError("trace " + o.trace +
                     " is a timed run without recorded events: export draws the traces "
                     "'explore --save' writes");
  } else {
    CapturedRun captured = replay_captured(o.trace, t, trace_model(o.trace, t));
    check_schedule_followed(o.trace, t, captured);
    run.events = std::move(captured.events);
    run.threads = std::move(captured.threads);
    run.findings = std::move(captured.result.findings);
  }
  // Threads the trace names by id only.
  for (const RecordedEvent& e : run.events) {
    while (run.threads.size() <= e.thread)
      run.threads.push_back("thread " + std::to_string(e.thread));
  }
  return run;
}

/// "load values[1] = 2", "atomic_store flag (release) = 1", "lock m", "spawn 'counter'".
std::string step_label(const RecordedEvent& e, const std::vector<std::string>& threads) {
  std::string s(op_name(e.op));
  const bool names_thread = e.op == Op::kSpawn || e.op == Op::kJoin;
  if (names_thread && e.value >= 0 && static_cast<std::size_t>(e.value) < threads.size()) {
    return s + " '" + threads[static_cast<std::size_t>(e.value)] + "'";
  }
  if (!e.object.empty()) s += " " + e.object;
  if (e.order != std::memory_order_seq_cst) s += " (" + std::string(order_name(e.order)) + ")";
  if (is_memory_op(e.op)) s += " = " + std::to_string(e.value);
  if (e.op == Op::kCheck) s += e.value != 0 ? ": held" : ": FAILED";
  if (e.op == Op::kNote) s += " = " + std::to_string(e.value);
  return s;
}

/// An edge between events of different threads that orders them (happens-before), by index.
struct SyncEdge {
  std::size_t from;
  std::size_t to;
  const char* why;
};

/// The edges between threads the run's synchronisation made: spawn to the child's first event,
/// the child's last event to its join, an unlock to the next lock of that mutex by another
/// thread, a notify to the wake it caused, and an atomic release to the first acquire by each
/// other thread that reads it (or what a read-modify-write carried on), as the race detector
/// orders them.
std::vector<SyncEdge> sync_edges(const std::vector<RecordedEvent>& events) {
  std::vector<SyncEdge> edges;
  std::map<uint32_t, std::size_t> first;  // thread -> its first event
  std::map<uint32_t, std::size_t> last;   // thread -> its last event
  for (std::size_t i = 0; i < events.size(); ++i) {
    first.emplace(events[i].thread, i);
    last[events[i].thread] = i;
  }
  std::map<std::string, std::size_t> released;  // mutex -> the event that released it last
  std::map<uint64_t, std::size_t> notifies;     // step -> its notify event (a wake names its step)
  auto acquire = [&](const std::string& mutex, std::size_t i) {
    const auto it = released.find(mutex);
    if (it != released.end() && events[it->second].thread != events[i].thread) {
      edges.push_back({it->second, i, "unlock, lock"});
    }
  };
  // Per atomic location: the releases a read of it now acquires (a store starts them afresh, a
  // read-modify-write adds itself), and which threads have drawn an edge from one already (a
  // spinning reader would draw one per read).
  std::map<std::string, std::vector<std::size_t>> releases_of;
  std::set<std::pair<std::size_t, uint32_t>> drawn;
  auto acquire_atomic = [&](const RecordedEvent& e, std::size_t i) {
    if (!acquires(e.order)) return;
    for (const std::size_t from : releases_of[e.object]) {
      if (events[from].thread != e.thread && drawn.emplace(from, e.thread).second) {
        edges.push_back({from, i, "release, acquire"});
      }
    }
  };
  for (std::size_t i = 0; i < events.size(); ++i) {
    const RecordedEvent& e = events[i];
    const auto who = static_cast<uint32_t>(e.value);
    switch (e.op) {
      case Op::kSpawn:
        if (first.count(who) != 0 && first[who] > i) edges.push_back({i, first[who], "spawn"});
        break;
      case Op::kJoin:
        if (last.count(who) != 0 && last[who] < i) edges.push_back({last[who], i, "join"});
        break;
      case Op::kUnlock:
        released[e.object] = i;
        break;
      case Op::kWait:  // releases its mutex
        released[e.aux] = i;
        break;
      case Op::kLock:
        acquire(e.object, i);
        break;
      case Op::kAtomicLoad:
      case Op::kCasFail:
        acquire_atomic(e, i);
        break;
      case Op::kAtomicStore: {
        std::vector<std::size_t>& heads = releases_of[e.object];
        heads.clear();
        if (releases(e.order)) heads.push_back(i);
        break;
      }
      case Op::kExchange:
      case Op::kCasOk:
      case Op::kFetchAdd:
        acquire_atomic(e, i);
        if (releases(e.order)) releases_of[e.object].push_back(i);
        break;
      case Op::kNotifyOne:
      case Op::kNotifyAll:
        notifies[e.step] = i;
        break;
      case Op::kWake: {
        const auto it = notifies.find(static_cast<uint64_t>(e.value));  // the notify that woke it
        if (it != notifies.end() && events[it->second].thread != e.thread) {
          edges.push_back({it->second, i, "notify, wake"});
        }
        acquire(e.aux, i);  // it re-acquires the mutex
        break;
      }
      default:
        break;
    }
  }
  return edges;
}

/// The events a finding points at: those of its step that did what it is about (the access of a
/// race, the failed check), or every event of that step.
std::vector<std::size_t> events_at(const std::vector<RecordedEvent>& events, uint64_t step,
                                   FindingKind kind) {
  std::vector<std::size_t> all;
  std::vector<std::size_t> fitting;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const RecordedEvent& e = events[i];
    if (e.step != step) continue;
    all.push_back(i);
    if ((kind == FindingKind::kDataRace && is_memory_op(e.op)) ||
        (kind == FindingKind::kInvariant && e.op == Op::kCheck && e.value == 0)) {
      fitting.push_back(i);
    }
  }
  return fitting.empty() ? all : fitting;
}

std::string headline(const Finding& f) {
  return std::string(kind_headline(f.kind)) + ": " + f.message;
}

/// A race's two accesses, by event index (none if the events do not show them).
std::optional<std::pair<std::size_t, std::size_t>> race_events(const Run& run, const Finding& f) {
  if (f.other_step == Finding::kNoStep) return std::nullopt;
  const std::vector<std::size_t> earlier = events_at(run.events, f.other_step, f.kind);
  const std::vector<std::size_t> later = events_at(run.events, f.step, f.kind);
  if (earlier.empty() || later.empty()) return std::nullopt;
  return std::make_pair(earlier.front(), later.front());
}

// ---- perfetto ----

std::string perfetto(const Run& run) {
  using nlohmann::ordered_json;
  ordered_json trace = ordered_json::array();
  trace.push_back({{"ph", "M"},
                   {"pid", 1},
                   {"name", "process_name"},
                   {"args", {{"name", "interleave: " + run.title}}}});
  for (std::size_t t = 0; t < run.threads.size(); ++t) {
    trace.push_back({{"ph", "M"},
                     {"pid", 1},
                     {"tid", t},
                     {"name", "thread_name"},
                     {"args", {{"name", std::to_string(t) + " " + run.threads[t]}}}});
    trace.push_back({{"ph", "M"},
                     {"pid", 1},
                     {"tid", t},
                     {"name", "thread_sort_index"},
                     {"args", {{"sort_index", t}}}});
  }
  // Step s takes the microsecond [s, s + 1); events of one step share it in order.
  std::vector<double> ts(run.events.size());
  std::vector<double> dur(run.events.size());
  for (std::size_t i = 0; i < run.events.size();) {
    std::size_t j = i;
    while (j < run.events.size() && run.events[j].step == run.events[i].step) ++j;
    for (std::size_t k = i; k < j; ++k) {
      dur[k] = 1.0 / static_cast<double>(j - i);
      ts[k] = static_cast<double>(run.events[i].step) + static_cast<double>(k - i) * dur[k];
    }
    i = j;
  }
  std::map<std::pair<uint32_t, std::string>, double> held;  // (thread, mutex) -> since
  uint64_t hold_id = 0;
  auto hold = [&](uint32_t thread, const std::string& mutex, double from, double to) {
    ++hold_id;
    const ordered_json common = {
        {"pid", 1}, {"tid", thread}, {"cat", "lock"}, {"name", "holds " + mutex}, {"id", hold_id}};
    ordered_json b = common;
    b["ph"] = "b";
    b["ts"] = from;
    ordered_json e = common;
    e["ph"] = "e";
    e["ts"] = to;
    trace.push_back(b);
    trace.push_back(e);
  };
  double end = 0;
  for (std::size_t i = 0; i < run.events.size(); ++i) {
    const RecordedEvent& e = run.events[i];
    ordered_json args = {{"step", e.step}};
    if (!e.object.empty()) args["object"] = e.object;
    args["value"] = e.value;
    if (!e.loc.empty()) args["loc"] = e.loc;
    trace.push_back({{"ph", "X"},
                     {"pid", 1},
                     {"tid", e.thread},
                     {"ts", ts[i]},
                     {"dur", dur[i]},
                     {"cat", std::string(op_name(e.op))},
                     {"name", step_label(e, run.threads)},
                     {"args", args}});
    end = std::max(end, ts[i] + dur[i]);
    if (e.op == Op::kLock || e.op == Op::kWake) {
      held[{e.thread, e.op == Op::kWake ? e.aux : e.object}] = ts[i];
    } else if (e.op == Op::kUnlock || e.op == Op::kWait) {
      const std::string mutex = e.op == Op::kWait ? e.aux : e.object;
      const auto it = held.find({e.thread, mutex});
      if (it != held.end()) {
        hold(e.thread, mutex, it->second, ts[i] + dur[i]);
        held.erase(it);
      }
    }
  }
  for (const auto& [key, since] : held) hold(key.first, key.second, since, end);  // kept to the end

  uint64_t flow_id = 0;
  auto flow = [&](std::size_t from, std::size_t to, const std::string& name, const char* cat) {
    ++flow_id;
    // An arrow: starts at one event's slice, ends at ("bp": "e", enclosing) the other's.
    for (const std::size_t at : {from, to}) {
      ordered_json arrow_end = {{"ph", at == from ? "s" : "f"},
                                {"pid", 1},
                                {"tid", run.events[at].thread},
                                {"ts", ts[at]},
                                {"id", flow_id},
                                {"cat", cat},
                                {"name", name}};
      if (at == to) arrow_end["bp"] = "e";
      trace.push_back(std::move(arrow_end));
    }
  };
  for (const SyncEdge& edge : sync_edges(run.events)) flow(edge.from, edge.to, edge.why, "sync");
  for (const Finding& f : run.findings) {
    ordered_json args = {{"kind", kind_name(f.kind)}, {"message", f.message}, {"step", f.step}};
    if (!f.details.empty()) args["details"] = f.details;
    trace.push_back({{"ph", "i"},
                     {"s", "g"},
                     {"pid", 1},
                     {"ts", static_cast<double>(f.step)},
                     {"cat", "finding"},
                     {"name", headline(f)},
                     {"args", args}});
    if (const auto race = race_events(run, f))
      flow(race->first, race->second, "data race", "finding");
  }
  const ordered_json out = {{"otherData", {{"model", run.title}, {"time", "1 us = 1 step"}}},
                            {"traceEvents", trace}};
  return out.dump(1) + "\n";
}

// ---- dot ----

/// A DOT string literal. (Not named quoted: for a non-const std::string, ADL would pick
/// std::quoted, which leaves newlines raw.)
std::string dot_text(const std::string& s) {
  std::string q = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    if (c == '\n') {
      q += "\\n";
      continue;
    }
    q += c;
  }
  return q + "\"";
}

std::string dot(const Run& run) {
  std::ostringstream out;
  auto node = [](std::size_t i) { return "e" + std::to_string(i); };
  out << "digraph " << dot_text("interleave: " + run.title) << " {\n"
      << "  label=" << dot_text("interleave: " + run.title + " (steps from top to bottom)")
      << "; labelloc=t;\n"
      << "  node [shape=box, fontname=\"monospace\", fontsize=10];\n"
      << "  edge [fontname=\"monospace\", fontsize=9];\n";
  std::map<std::size_t, const Finding*> found_at;  // event -> the first finding it shows
  for (const Finding& f : run.findings) {
    for (const std::size_t i : events_at(run.events, f.step, f.kind)) found_at.emplace(i, &f);
  }
  for (std::size_t t = 0; t < run.threads.size(); ++t) {
    out << "  subgraph cluster_" << t << " {\n"
        << "    label=" << dot_text(std::to_string(t) + " " + run.threads[t]) << ";\n";
    std::optional<std::size_t> before;
    for (std::size_t i = 0; i < run.events.size(); ++i) {
      const RecordedEvent& e = run.events[i];
      if (e.thread != t) continue;
      std::string label = std::to_string(e.step) + ": " + step_label(e, run.threads);
      if (!e.loc.empty()) label += "\n" + e.loc;
      out << "    " << node(i) << " [label=" << dot_text(label);
      const auto f = found_at.find(i);
      if (f != found_at.end()) {
        out << ", style=filled, fillcolor=\"#f4b6b6\", tooltip=" << dot_text(headline(*f->second));
      }
      out << "];\n";
      if (before) out << "    " << node(*before) << " -> " << node(i) << ";\n";
      before = i;
    }
    out << "  }\n";
  }
  // The order the steps ran in, kept without being drawn: each event above the next.
  for (std::size_t i = 1; i < run.events.size(); ++i) {
    if (run.events[i - 1].thread != run.events[i].thread) {
      out << "  " << node(i - 1) << " -> " << node(i) << " [style=invis];\n";
    }
  }
  for (const SyncEdge& edge : sync_edges(run.events)) {
    out << "  " << node(edge.from) << " -> " << node(edge.to)
        << " [color=blue, style=dashed, label=" << dot_text(edge.why) << "];\n";
  }
  for (const Finding& f : run.findings) {
    if (const auto race = race_events(run, f)) {
      out << "  " << node(race->first) << " -> " << node(race->second)
          << " [color=red, penwidth=2, dir=both, constraint=false, label=\"data race\", tooltip="
          << dot_text(f.message) << "];\n";
    }
  }
  out << "}\n";
  return out.str();
}

}  // namespace

int export_command(const ExportOptions& o) {
  if (o.format != "perfetto" && o.format != "dot") {
    throw InputError("--format " + o.format + ": unknown format (perfetto or dot)");
  }
  const bool to_stdout = o.output.empty() || o.output == "-";
  if (!to_stdout) check_writable("-o", o.output);
  const Trace t = read_trace(o.trace);
  const Run run = load_run(o, t);
  const std::string text = o.format == "perfetto" ? perfetto(run) : dot(run);
  if (to_stdout) {
    std::cout << text;
    return kExitClean;
  }
  std::ofstream file(o.output, std::ios::binary);
  if (!file) throw InputError("cannot write " + o.output);
  file << text;
  file.close();
  if (!file) throw InputError("cannot write " + o.output);
  const uint64_t steps = run.events.empty() ? 0 : run.events.back().step + 1;
  std::cout << "wrote " << run.events.size() << " events (" << steps << " steps) of "
            << run.threads.size() << " threads to " << o.output
            << (o.format == "perfetto"
                    ? " (open it at https://ui.perfetto.dev)"
                    : " (draw it with: dot -Tsvg " + shell_quote(o.output) + " -o graph.svg)")
            << '\n';
  return kExitClean;
}

}  // namespace interleave::cli
