// Depth-first enumeration of schedules (and random values), with iterative preemption bounding.
#include "sim/dfs_strategy.hpp"

#include <algorithm>
#include <limits>

#include "sim/internal_check.hpp"

namespace interleave {

DfsStrategy::DfsStrategy(std::optional<uint32_t> max_preemptions)
    : bounded_(max_preemptions.has_value()),
      max_bound_(max_preemptions.value_or(std::numeric_limits<uint32_t>::max())) {}

DfsStrategy::Advance DfsStrategy::advance() {
  while (nodes_.size() > floor_) {
    Node& n = nodes_.back();
    if (++n.next < n.count) {
      if (n.next >= n.given_end) return Advance::kResume;
      const std::size_t k = nodes_.size() - 1;
      const auto it = std::find_if(given_.begin(), given_.end(), [&](const Given& g) {
        return g.node == k && g.option == n.next;
      });
      INTERLEAVE_INTERNAL_CHECK(it != given_.end(), "dfs: a given option without its part");
      due_ = it->number;
      given_.erase(it);
      return Advance::kDue;
    }
    if (!n.value) options_.resize(n.first);
    nodes_.pop_back();
  }
  return Advance::kExhausted;
}

void DfsStrategy::restart() {
  path_.clear();
  forced_ = 0;
  preemptions_ = 0;
  last_visible_ = kNoThread;
}

void DfsStrategy::resume() {
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
}

bool DfsStrategy::begin_execution(uint64_t index) {
  value_cursor_ = 0;
  if (index == 0) {
    restart();
    return true;
  }
  const Advance a = advance();
  INTERLEAVE_INTERNAL_CHECK(a != Advance::kDue, "dfs: an option due that was never given");
  if (a == Advance::kExhausted) return next_round();
  resume();
  return true;
}

bool DfsStrategy::next_round() {
  // This round is exhausted. Another is worth it only if the bound cut something off (never in
  // a part: its bound is its giver's round).
  if (!bounded_ || !limited_by_bound_ || bound_ >= max_bound_) return false;
  ++bound_;
  limited_by_bound_ = false;
  restart();
  return true;
}

DfsStrategy::Next DfsStrategy::next() {
  value_cursor_ = 0;
  if (!started_) {
    started_ = true;
    if (floor_ > 0) {
      resume();  // a part: the option given
    } else {
      restart();
    }
    return Next::kJob;
  }
  if (due_pending_) return Next::kDue;
  switch (advance()) {
    case Advance::kResume:
      resume();
      return Next::kJob;
    case Advance::kDue:
      due_pending_ = true;
      return Next::kDue;
    case Advance::kExhausted:
      break;
  }
  return next_round() ? Next::kJob : Next::kDone;
}

bool DfsStrategy::givable(std::size_t& k) const {
  for (k = floor_; k < nodes_.size(); ++k) {
    const Node& n = nodes_[k];
    if (std::max<uint64_t>(n.next + 1, n.given_end) < n.count) return true;
  }
  return false;
}

bool DfsStrategy::can_give() const {
  std::size_t k = 0;
  return started_ && givable(k);
}

bool DfsStrategy::give(uint64_t number, DfsStrategy& part) {
  std::size_t k = 0;
  if (!started_ || !givable(k)) return false;
  Node& n = nodes_[k];
  const uint64_t o = std::max<uint64_t>(n.next + 1, n.given_end);
  n.given_end = static_cast<uint32_t>(o + 1);
  given_.push_back(Given{k, o, number});
  // The part: this search's path down to node k, at option o; nothing above it is its own.
  part = DfsStrategy();
  part.bounded_ = bounded_;
  part.bound_ = bound_;
  part.max_bound_ = bound_;
  part.nodes_.assign(nodes_.begin(), nodes_.begin() + static_cast<std::ptrdiff_t>(k) + 1);
  std::size_t options_end = 0;
  for (Node& c : part.nodes_) {
    c.given_end = 0;
    if (!c.value) options_end = c.first + c.count;
  }
  part.options_.assign(options_.begin(),
                       options_.begin() + static_cast<std::ptrdiff_t>(options_end));
  part.nodes_.back().next = static_cast<uint32_t>(o);
  part.path_.assign(path_.begin(), path_.begin() + static_cast<std::ptrdiff_t>(n.step));
  part.floor_ = k + 1;
  return true;
}

[[noreturn]] void DfsStrategy::take_back() {
  INTERLEAVE_INTERNAL_CHECK(false, "dfs: a part that does not fit (every dfs part fits)");
}

void DfsStrategy::splice(const DfsStrategy& part) {
  due_pending_ = false;
  limited_by_bound_ |= part.limited_by_bound_;
}

void DfsStrategy::catch_up(std::span<const ThreadId> schedule, ThreadId last_visible) {
  if (path_.size() >= schedule.size()) return;  // nothing new (or within the forced prefix)
  path_.insert(path_.end(), schedule.begin() + static_cast<std::ptrdiff_t>(path_.size()),
               schedule.end());
  last_visible_ = last_visible;
}

ThreadId DfsStrategy::pick(const ChoicePoint& point) {
  catch_up(point.schedule, point.last_visible);
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
                            !gives_loop_back(point.pending[to_index(last_visible_)]);
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

uint64_t DfsStrategy::pick_value(const ValuePoint& point) {
  // Values asked for within the forced prefix replay the choices made last time, in order.
  while (value_cursor_ < nodes_.size() && !nodes_[value_cursor_].value) ++value_cursor_;
  if (value_cursor_ < nodes_.size()) {
    return nodes_[value_cursor_++].next;
  }
  catch_up(point.schedule, point.last_visible);
  Node& n = nodes_.emplace_back();
  n.value = true;
  n.count = point.bound;
  n.step = path_.size();
  n.preemptions = preemptions_;
  n.last_visible = last_visible_;
  value_cursor_ = nodes_.size();
  return 0;
}

}  // namespace interleave
