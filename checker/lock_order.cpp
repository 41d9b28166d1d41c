// The lock-order checker: acquisition graph, cycle search on new edges, lock_order findings.
#include "checker/lock_order.hpp"

#include <algorithm>

#include "checker/describe.hpp"

namespace interleave {

using text::loc_text;
using text::object_label;
using text::thread_text;

void LockOrderChecker::begin_run() {
  for (uint32_t i = 0; i < held_used_; ++i) held_[i].clear();
  held_used_ = 0;
  for (uint32_t i = 0; i < mutexes_used_; ++i) {
    mutexes_[i].name = nullptr;
    mutexes_[i].index = -1;
    mutexes_[i].out.clear();
  }
  mutexes_used_ = 0;
  edges_.clear();
  names_.clear();
  findings_.clear();
}

void LockOrderChecker::end_run(std::vector<Finding>& findings) {
  // Copied, not moved: a rewound run that adds no lock call since keeps them (Checker::rewind).
  findings.insert(findings.end(), findings_.begin(), findings_.end());
}

void LockOrderChecker::on_thread(ThreadId thread, const char* name, ThreadId, ObjectId) {
  const uint32_t i = to_index(thread);
  if (names_.size() <= i) names_.resize(i + 1);
  names_[i] = name != nullptr ? name : "";
}

void LockOrderChecker::on_event(const Event& e) {
  switch (e.op) {
    case Op::kLock:
      if (e.object == kNoObject) return;
      mutex(e.object);
      mutexes_[to_index(e.object)].name = e.name;
      mutexes_[to_index(e.object)].index = e.index;
      acquired(e.thread, e.object, e);
      return;
    case Op::kWake:  // the wait returns holding its mutex again
      if (e.aux != kNoObject) acquired(e.thread, e.aux, e);
      return;
    case Op::kUnlock:
      released(e.thread, e.object);
      return;
    case Op::kWait:
      released(e.thread, e.aux);
      return;
    default:  // try_lock failures acquire nothing; nothing else touches a mutex
      return;
  }
}

LockOrderChecker::MutexState& LockOrderChecker::mutex(ObjectId m) {
  const uint32_t i = to_index(m);
  if (i >= mutexes_.size()) mutexes_.resize(i + 1);
  if (i >= mutexes_used_) mutexes_used_ = i + 1;
  return mutexes_[i];
}

std::vector<LockOrderChecker::Held>& LockOrderChecker::held(ThreadId thread) {
  const uint32_t i = to_index(thread);
  if (i >= held_.size()) held_.resize(i + 1);
  if (i >= held_used_) held_used_ = i + 1;
  return held_[i];
}

void LockOrderChecker::acquired(ThreadId thread, ObjectId m, const Event& e) {
  mutex(m);  // grow before taking references below
  std::vector<Held>& h = held(thread);
  for (const Held& prior : h) {
    if (prior.mutex == m) continue;
    MutexState& from = mutexes_[to_index(prior.mutex)];
    const bool known = std::any_of(from.out.begin(), from.out.end(),
                                   [&](uint32_t edge) { return edges_[edge].to == m; });
    if (known) continue;
    const auto edge = static_cast<uint32_t>(edges_.size());
    edges_.push_back(Edge{prior.mutex, m, thread, e.loc, prior.loc, e.step});
    from.out.push_back(edge);
    std::vector<uint32_t> cycle;
    if (find_path(m, prior.mutex, cycle)) {
      cycle.push_back(edge);
      report_cycle(std::move(cycle));
    }
  }
  h.push_back(Held{m, e.loc});
}

void LockOrderChecker::released(ThreadId thread, ObjectId m) {
  if (m == kNoObject) return;
  std::vector<Held>& h = held(thread);
  for (auto it = h.rbegin(); it != h.rend(); ++it) {
    if (it->mutex == m) {
      h.erase(std::next(it).base());
      return;
    }
  }
}

// Depth-first search over edges; on success `path` holds the edges from `from` to `to`.
bool LockOrderChecker::find_path(ObjectId from, ObjectId to, std::vector<uint32_t>& path) {
  if (seen_.size() < mutexes_.size()) {
    seen_.resize(mutexes_.size(), 0);
    via_.resize(mutexes_.size(), 0);
  }
  ++search_;
  stack_.clear();
  stack_.push_back(from);
  seen_[to_index(from)] = search_;
  while (!stack_.empty()) {
    const ObjectId x = stack_.back();
    stack_.pop_back();
    if (x == to) {
      for (ObjectId at = to; at != from; at = edges_[via_[to_index(at)]].from) {
        path.push_back(via_[to_index(at)]);
      }
      std::reverse(path.begin(), path.end());
      return true;
    }
    for (uint32_t edge : mutexes_[to_index(x)].out) {
      const ObjectId y = edges_[edge].to;
      if (seen_[to_index(y)] == search_) continue;
      seen_[to_index(y)] = search_;
      via_[to_index(y)] = edge;
      stack_.push_back(y);
    }
  }
  return false;
}

std::string LockOrderChecker::mutex_label(ObjectId m) const {
  const MutexState& s = mutexes_[to_index(m)];
  if (s.name == nullptr) return "mutex#" + std::to_string(to_index(m));
  return object_label(s.name, s.index);
}

std::string LockOrderChecker::thread_label(ThreadId t) const {
  return thread_text(t, names_);
}

void LockOrderChecker::report_cycle(std::vector<uint32_t> cycle) {
  // Start at the lowest mutex id, so the same cycle reads the same whichever edge closed it.
  const auto lowest = std::min_element(cycle.begin(), cycle.end(), [&](uint32_t a, uint32_t b) {
    return to_index(edges_[a].from) < to_index(edges_[b].from);
  });
  std::rotate(cycle.begin(), lowest, cycle.end());

  std::vector<std::string> locs;
  std::string path = mutex_label(edges_[cycle.front()].from);
  std::string steps;
  Finding f;
  f.kind = FindingKind::kLockOrder;
  f.step = edges_[cycle.back()].step;
  for (uint32_t index : cycle) {
    const Edge& edge = edges_[index];
    const std::string to = mutex_label(edge.to);
    const std::string from = mutex_label(edge.from);
    path += " -> " + to;
    if (!steps.empty()) steps += "; ";
    steps += thread_label(edge.thread) + " locks " + to + " while holding " + from + " at " +
             loc_text(edge.loc);
    f.details.push_back(thread_label(edge.thread) + " locks " + to + " at " + loc_text(edge.loc) +
                        " (step " + std::to_string(edge.step) + ") while holding " + from +
                        ", locked at " + loc_text(edge.held_loc));
    locs.push_back(loc_text(edge.loc));
    f.step = std::max(f.step, edge.step);
  }
  std::sort(locs.begin(), locs.end());
  f.signature = "lock_order";
  for (const std::string& l : locs) f.signature += "|" + l;
  for (const Finding& prior : findings_) {
    if (prior.signature == f.signature) return;  // once per run
  }
  f.message = "cycle " + path + ": " + steps;
  f.details.push_back("a run that takes these locks in these orders concurrently deadlocks");
  findings_.push_back(std::move(f));
}

}  // namespace interleave
