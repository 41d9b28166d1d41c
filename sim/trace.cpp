// Trace I/O with nlohmann_json: strict on reading, every problem named in one line.
#include "sim/trace.hpp"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "sim/input_error.hpp"

namespace interleave {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

[[noreturn]] void bad(const std::string& path, const std::string& why) {
  throw InputError("trace " + path + ": " + why);
}

const nlohmann::ordered_json& field(const std::string& path, const nlohmann::ordered_json& j,
                                    const char* name, nlohmann::json::value_t type) {
  auto it = j.find(name);
  if (it == j.end()) bad(path, std::string("missing field \"") + name + "\"");
  const bool ok = it->type() == type ||
                  (type == json::value_t::number_unsigned && it->is_number_integer() &&
                   it->get<int64_t>() >= 0) ||
                  (type == json::value_t::number_float && it->is_number());
  if (!ok) bad(path, std::string("field \"") + name + "\" has the wrong type");
  return *it;
}

/// `v` as a whole number of at least 0, if it is one.
std::optional<uint64_t> whole(const ordered_json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0)
    return static_cast<uint64_t>(v.get<int64_t>());
  return std::nullopt;
}

/// `o[key]` as T when present, `fallback` when absent; a value of another type (or out of T's
/// range) is an error naming `what` and the key.
template <class T>
T optional(const std::string& path, const ordered_json& o, const char* key, T fallback,
           const std::string& what) {
  const auto it = o.find(key);
  if (it == o.end()) return fallback;
  const auto wrong = [&](const char* expected) {
    bad(path, what + " field \"" + key + "\" is " + it->dump() + ", not " + expected);
  };
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) wrong("a string");
    return it->template get<std::string>();
  } else if constexpr (std::is_same_v<T, int64_t>) {
    if (!it->is_number_integer() ||
        (it->is_number_unsigned() && it->template get<uint64_t>() > INT64_MAX)) {
      wrong("a whole number");
    }
    return it->template get<int64_t>();
  } else {
    static_assert(std::is_unsigned_v<T>);
    const std::optional<uint64_t> value = whole(*it);
    if (!value || *value > std::numeric_limits<T>::max()) {
      wrong(std::numeric_limits<T>::max() == UINT32_MAX ? "a whole number below 2^32"
                                                        : "a whole number of at least 0");
    }
    return static_cast<T>(*value);
  }
}

/// A thread number of a schedule entry: a whole number that fits a thread id.
uint32_t thread_number(const std::string& path, const ordered_json& v, const std::string& entry) {
  const std::optional<uint64_t> value = whole(v);
  if (!value || *value > UINT32_MAX)
    bad(path, "schedule entry " + entry + " is not a thread number");
  return static_cast<uint32_t>(*value);
}

/// The trace `j` read from `path`, every field checked.
Trace trace_from(const std::string& path, const ordered_json& j);

json number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 9e15) return json(static_cast<int64_t>(v));
  return json(v);
}

}  // namespace

void EventRecorder::begin_run() {
  events_.clear();
  threads_.clear();
  labels_.clear();
}

void EventRecorder::on_thread(ThreadId thread, const char* name, ThreadId, ObjectId) {
  if (threads_.size() <= to_index(thread)) threads_.resize(to_index(thread) + 1);
  threads_[to_index(thread)] = name;
}

void EventRecorder::on_event(const Event& e) {
  RecordedEvent r;
  r.step = e.step;
  r.thread = to_index(e.thread);
  r.op = e.op;
  r.object = location_label(e.name, e.index);
  if (e.object != kNoObject && e.op != Op::kCheck && e.op != Op::kNote) {
    // Remember names by id: a wait or wake names its mutex only by id.
    const auto id = to_index(e.object);
    if (labels_.size() <= id) labels_.resize(id + 1);
    if (labels_[id].empty()) labels_[id] = r.object;
  }
  r.value = e.value;
  if (e.loc.line != 0) r.loc = std::string(e.loc.file) + ":" + std::to_string(e.loc.line);
  if (e.aux != kNoObject && to_index(e.aux) < labels_.size()) r.aux = labels_[to_index(e.aux)];
  r.order = e.order;
  events_.push_back(std::move(r));
}

namespace {

/// A trace's fields before its schedule.
ordered_json trace_head(const Trace& t) {
  ordered_json j = ordered_json::object();
  j["format"] = "interleave-trace";
  j["version"] = kTraceVersion;
  if (!t.program.empty()) j["program"] = t.program;
  j["model"] = t.model;
  j["variant"] = t.variant;
  ordered_json params = ordered_json::object();
  for (const auto& [name, value] : t.params) params[name] = number(value);
  j["params"] = params;
  j["mode"] = t.mode;
  j["strategy"] = {{"name", t.strategy}, {"seed", t.seed}, {"execution", t.execution}};
  j["threads"] = t.threads;
  if (t.max_steps) j["max_steps"] = *t.max_steps;
  if (t.preemptions) j["preemptions"] = *t.preemptions;
  if (t.overflowed) j["overflowed"] = true;
  if (t.timing) {
    j["mode"] = "timed";
    const TimingConfig& c = *t.timing;
    j["timing"] = {{"policy", policy_name(c.policy)},
                   {"fairness", fairness_name(c.fairness)},
                   {"op_cost_ns", c.op_cost_ns},
                   {"syscall_cost_ns", c.syscall_cost_ns},
                   {"work_cost_ns", c.work_cost_ns},
                   {"switch_interval_ns", c.switch_interval_ns},
                   {"wake_latency_max_ns", c.wake_latency_max_ns},
                   {"duration_ns", c.duration_ns}};
  }
  return j;
}

}  // namespace

std::string trace_head_json(const Trace& t) {
  std::string head = trace_head(t).dump();
  head.pop_back();  // the closing brace: the schedule and the rest follow
  return head;
}

void write_trace(const std::string& path, const Trace& t) {
  ordered_json j = trace_head(t);
  ordered_json schedule = ordered_json::array();
  for (std::size_t i = 0; i < t.schedule.size(); ++i) {
    if (t.timing) {
      schedule.push_back({t.decision_steps[i], to_index(t.schedule[i])});
    } else {
      schedule.push_back(to_index(t.schedule[i]));
    }
  }
  j["schedule"] = schedule;
  j["random"] = t.random;
  ordered_json events = ordered_json::array();
  for (const RecordedEvent& e : t.events) {
    ordered_json ev = {{"step", e.step}, {"thread", e.thread}, {"op", op_name(e.op)}};
    if (!e.object.empty()) ev["object"] = e.object;
    ev["value"] = e.value;
    if (!e.loc.empty()) ev["loc"] = e.loc;
    if (!e.aux.empty()) ev["mutex"] = e.aux;
    if (e.order != std::memory_order_seq_cst) ev["order"] = order_name(e.order);
    events.push_back(std::move(ev));
  }
  j["events"] = events;
  if (!t.notes.empty()) {
    ordered_json notes = ordered_json::array();
    for (const Trace::Note& n : t.notes) {
      notes.push_back({{"label", n.label}, {"value", n.value}, {"time_ns", n.time_ns}});
    }
    j["notes"] = notes;
  }
  if (t.verdict) {
    j["verdict"] = {{"kind", kind_name(t.verdict->kind)},
                    {"message", t.verdict->message},
                    {"step", t.verdict->step}};
  } else {
    j["verdict"] = {{"kind", "clean"}};
  }
  std::ofstream out(path);
  if (!out) throw InputError("cannot write trace to " + path);
  // One field per line and one event per line: readable, and diffs stay small.
  out << "{\n";
  bool first = true;
  for (const auto& [key, value] : j.items()) {
    out << (first ? "" : ",\n") << ' ' << ordered_json(key).dump() << ": ";
    first = false;
    if (key == "events" && !value.empty()) {
      out << "[\n";
      for (std::size_t i = 0; i < value.size(); ++i) {
        out << "  " << value[i].dump() << (i + 1 < value.size() ? ",\n" : "\n");
      }
      out << " ]";
    } else {
      out << value.dump();
    }
  }
  out << "\n}\n";
  if (!out) throw InputError("cannot write trace to " + path);
}

Trace read_trace(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) bad(path, "a directory, not a trace file");
  std::ifstream in(path);
  if (!in) bad(path, "cannot open the file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) bad(path, "the file is empty");
  ordered_json j;  // keeps params in the order they were written
  try {
    j = ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    bad(path, "not valid JSON (truncated or corrupt?) at byte " + std::to_string(e.byte));
  }
  if (!j.is_object()) bad(path, "not a JSON object");
  try {
    return trace_from(path, j);
  } catch (const nlohmann::json::exception& e) {  // a case the checks in trace_from missed
    bad(path, std::string("content of an unexpected shape (") + e.what() + ")");
  }
}

namespace {

Trace trace_from(const std::string& path, const ordered_json& j) {
  auto format = j.find("format");
  if (format == j.end() || *format != "interleave-trace") {
    bad(path, "not an interleave trace (field \"format\" is not \"interleave-trace\")");
  }
  const json& version = field(path, j, "version", json::value_t::number_unsigned);
  if (version.get<int64_t>() != kTraceVersion) {
    bad(path, "format version " + version.dump() + " is not supported (this interleave reads " +
                  std::to_string(kTraceVersion) + ")");
  }
  Trace t;
  if (const auto p = j.find("program"); p != j.end()) {
    if (!p->is_string()) bad(path, "program is not a string");
    t.program = p->get<std::string>();
  }
  t.model = field(path, j, "model", json::value_t::string).get<std::string>();
  t.variant = field(path, j, "variant", json::value_t::string).get<std::string>();
  for (const auto& [name, value] : field(path, j, "params", json::value_t::object).items()) {
    if (!value.is_number()) bad(path, "param \"" + name + "\" is not a number");
    t.params.emplace_back(name, value.get<double>());
  }
  if (const auto m = j.find("max_steps"); m != j.end()) {
    if (!m->is_number_unsigned() || m->get<uint64_t>() == 0) {
      bad(path, "max_steps is not a whole number of at least 1");
    }
    t.max_steps = m->get<uint64_t>();
  }
  if (const auto o = j.find("overflowed"); o != j.end()) {
    if (!o->is_boolean()) bad(path, "overflowed is not true or false");
    t.overflowed = o->get<bool>();
  }
  if (const auto p = j.find("preemptions"); p != j.end()) {
    if (!p->is_number_unsigned()) bad(path, "preemptions is not a whole number");
    t.preemptions = p->get<uint64_t>();
  }
  t.mode = field(path, j, "mode", json::value_t::string).get<std::string>();
  if (t.mode != "untimed" && t.mode != "timed") {
    bad(path, "mode \"" + t.mode + "\" is not supported (\"untimed\" or \"timed\")");
  }
  if (t.mode == "timed") {
    const auto& c = field(path, j, "timing", json::value_t::object);
    TimingConfig timing;
    timing.timed = true;
    const auto policy = policy_from_name(optional(path, c, "policy", std::string(), "timing"));
    const auto fairness =
        fairness_from_name(optional(path, c, "fairness", std::string(), "timing"));
    if (!policy) bad(path, "timing has an unknown policy");
    if (!fairness) bad(path, "timing has an unknown fairness");
    timing.policy = *policy;
    timing.fairness = *fairness;
    const auto cost = [&](const char* key, int64_t fallback) {
      return optional(path, c, key, fallback, "timing");
    };
    timing.op_cost_ns = cost("op_cost_ns", timing.op_cost_ns);
    timing.syscall_cost_ns = cost("syscall_cost_ns", timing.syscall_cost_ns);
    timing.work_cost_ns = cost("work_cost_ns", timing.work_cost_ns);
    timing.switch_interval_ns = cost("switch_interval_ns", timing.switch_interval_ns);
    timing.wake_latency_max_ns = cost("wake_latency_max_ns", timing.wake_latency_max_ns);
    timing.duration_ns = cost("duration_ns", timing.duration_ns);
    if (const std::string problem = timing_problem(timing); !problem.empty()) {
      bad(path, "timing: " + problem);
    }
    t.timing = timing;
  }
  if (auto s = j.find("strategy"); s != j.end() && s->is_object()) {
    t.strategy = optional(path, *s, "name", std::string(), "strategy");
    t.seed = optional(path, *s, "seed", uint64_t{0}, "strategy");
    t.execution = optional(path, *s, "execution", uint64_t{0}, "strategy");
  }
  if (auto th = j.find("threads"); th != j.end() && th->is_array()) {
    for (const auto& n : *th) t.threads.push_back(n.is_string() ? n.get<std::string>() : "?");
  }
  for (const auto& s : field(path, j, "schedule", json::value_t::array)) {
    if (t.timing) {  // [step, thread] pairs
      if (!s.is_array() || s.size() != 2 || !s[0].is_number_unsigned() ||
          !s[1].is_number_unsigned()) {
        bad(path, "timed schedule entry " + s.dump() + " is not [step, thread]");
      }
      t.decision_steps.push_back(s[0].get<uint64_t>());
      t.schedule.push_back(ThreadId{thread_number(path, s[1], s.dump())});
      continue;
    }
    t.schedule.push_back(ThreadId{thread_number(path, s, s.dump())});
  }
  if (auto n = j.find("notes"); n != j.end() && n->is_array()) {
    for (const auto& note : *n) {
      if (!note.is_object()) bad(path, "a note is not an object");
      t.notes.push_back(Trace::Note{optional(path, note, "label", std::string(), "a note's"),
                                    optional(path, note, "value", int64_t{0}, "a note's"),
                                    optional(path, note, "time_ns", int64_t{0}, "a note's")});
    }
  }
  if (auto r = j.find("random"); r != j.end()) {
    if (!r->is_array()) bad(path, "field \"random\" has the wrong type");
    for (const auto& v : *r) {
      if (!v.is_number_unsigned()) bad(path, "random value " + v.dump() + " is not a number");
      t.random.push_back(v.get<uint64_t>());
    }
  }
  if (auto ev = j.find("events"); ev != j.end()) {
    if (!ev->is_array()) bad(path, "field \"events\" has the wrong type");
    for (const auto& e : *ev) {
      if (!e.is_object()) bad(path, "an event is not an object");
      RecordedEvent r;
      r.step = optional(path, e, "step", uint64_t{0}, "an event's");
      r.thread = optional(path, e, "thread", uint32_t{0}, "an event's");
      const std::string name = optional(path, e, "op", std::string(), "an event's");
      const auto op = op_from_name(name);
      if (!op) bad(path, "event with unknown op " + (name.empty() ? "(none)" : name));
      r.op = *op;
      r.object = optional(path, e, "object", std::string(), "an event's");
      r.value = optional(path, e, "value", int64_t{0}, "an event's");
      r.loc = optional(path, e, "loc", std::string(), "an event's");
      r.aux = optional(path, e, "mutex", std::string(), "an event's");
      const std::string order = optional(path, e, "order", std::string("seq_cst"), "an event's");
      const auto mo = order_from_name(order);
      if (!mo) bad(path, "event with unknown memory order " + order);
      r.order = *mo;
      t.events.push_back(std::move(r));
    }
  }
  if (auto v = j.find("verdict"); v != j.end()) {
    if (!v->is_object()) bad(path, "field \"verdict\" has the wrong type");
    const std::string kind = optional(path, *v, "kind", std::string("clean"), "the verdict's");
    if (kind != "clean") {
      const auto k = kind_from_name(kind);
      if (!k) bad(path, "verdict of unknown kind \"" + kind + "\"");
      t.verdict = Verdict{*k, optional(path, *v, "message", std::string(), "the verdict's"),
                          optional(path, *v, "step", uint64_t{0}, "the verdict's")};
    }
  }
  return t;
}

}  // namespace
}  // namespace interleave
