// Depth-first enumeration of schedules (and random values), with iterative preemption bounding.
#include "sim/dfs_strategy.hpp"

#include <algorithm>
#include <limits>

#include "sim/internal_check.hpp"

namespace interleave {

DfsStrategy::DfsStrategy(std::optional<uint32_t> max_preemptions)
    : bounded_(max_preemptions.has_value()),
      max_bound_(max_preemptions.value_or(std::numeric_limits<uint32_t>::max())) {}

bool DfsStrategy::advance() {
  while (!nodes_.empty()) {
    Node& n = nodes_.back();
    if (++n.next < n.count) return true;
    if (!n.value) options_.resize(n.first);
    nodes_.pop_back();
  }
  return false;
}

void DfsStrategy::restart() {
  path_.clear();
  forced_ = 0;
  preemptions_ = 0;
  last_visible_ = kNoThread;
}

bool DfsStrategy::begin_execution(uint64_t index) {
  value_cursor_ = 0;
  if (index == 0) {
    restart();
    return true;
  }
  if (!advance()) {
    // This round is exhausted. Another is worth it only if the bound cut something off.
    if (!bounded_ || !limited_by_bound_ || bound_ >= max_bound_) return false;
    ++bound_;
    limited_by_bound_ = false;
    restart();
    return true;
  }
  // Resume at the deepest choice with an option left: everything before it is forced.
  const Node& n = nodes_.back();
  path_.resize(n.step);
  preemptions_ = n.preemptions;
  last_visible_ = n.last_visible;
  if (!n.value) {
    const ThreadId chosen{static_cast<uint32_t>(option(n))};
    if (n.can_continue && chosen != n.last_visible) ++preemptions_;
    last_visible_ = chosen;
    path_.push_back(chosen);
  }
  forced_ = path_.size();
  return true;
}

ThreadId DfsStrategy::pick(const ChoicePoint& point) {
  INTERLEAVE_INTERNAL_CHECK(point.step == path_.size(), "dfs: a step was decided out of order");
  const auto& e = point.enabled;
  if (e.size() == 1) {
    // No choice (the common case): the only thread runs; only a visible step changes who ran
    // the last visible one, and switching to it is no preemption as nobody else could go on.
    const ThreadId only = e.front();
    if (!is_invisible(point.pending[to_index(only)])) last_visible_ = only;
    path_.push_back(only);
    return only;
  }
  // Invisible steps commute with everything: run them at once, never as a choice.
  ThreadId chosen = kNoThread;
  const auto current = std::find(e.begin(), e.end(), point.current);
  if (current != e.end() && is_invisible(point.pending[to_index(point.current)])) {
    chosen = point.current;
  } else {
    for (ThreadId t : e) {
      if (is_invisible(point.pending[to_index(t)])) {
        chosen = t;
        break;
      }
    }
  }
  if (chosen != kNoThread) {
    path_.push_back(chosen);
    return chosen;
  }
  // A choice between visible steps. Continuing the thread that ran the last one is free;
  // switching away from it while it could go on is a preemption.
  const bool can_continue = last_visible_ != kNoThread &&
                            std::find(e.begin(), e.end(), last_visible_) != e.end() &&
                            point.pending[to_index(last_visible_)].op != Op::kAwait;
  const bool may_preempt = !bounded_ || preemptions_ < bound_;
  if (can_continue && !may_preempt) {
    // No choice here: the bound allows no preemption.
    limited_by_bound_ = true;
    chosen = can_continue ? last_visible_ : e.front();
  } else {
    Node& n = nodes_.emplace_back();
    n.first = static_cast<uint32_t>(options_.size());
    n.count = e.size();
    if (can_continue) options_.push_back(last_visible_);
    for (ThreadId t : e) {
      if (!can_continue || t != last_visible_) options_.push_back(t);
    }
    n.can_continue = can_continue;
    n.step = point.step;
    n.preemptions = preemptions_;
    n.last_visible = last_visible_;
    chosen = options_[n.first];
  }
  if (can_continue && chosen != last_visible_) ++preemptions_;
  last_visible_ = chosen;
  path_.push_back(chosen);
  return chosen;
}

uint64_t DfsStrategy::pick_value(uint64_t bound) {
  // Values asked for within the forced prefix replay the choices made last time, in order.
  while (value_cursor_ < nodes_.size() && !nodes_[value_cursor_].value) ++value_cursor_;
  if (value_cursor_ < nodes_.size()) {
    return nodes_[value_cursor_++].next;
  }
  Node& n = nodes_.emplace_back();
  n.value = true;
  n.count = bound;
  n.step = path_.size();
  n.preemptions = preemptions_;
  n.last_visible = last_visible_;
  value_cursor_ = nodes_.size();
  return 0;
}

}  // namespace interleave
