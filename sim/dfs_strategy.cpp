// Depth-first enumeration of schedules (and random values), with iterative preemption bounding.
#include "sim/dfs_strategy.hpp"

#include <algorithm>
#include <limits>

namespace interleave {

DfsStrategy::DfsStrategy(std::optional<uint32_t> max_preemptions)
    : bounded_(max_preemptions.has_value()),
      max_bound_(max_preemptions.value_or(std::numeric_limits<uint32_t>::max())) {}

bool DfsStrategy::advance() {
  while (!nodes_.empty()) {
    Node& n = nodes_.back();
    if (++n.next < n.options.size()) return true;
    nodes_.pop_back();
  }
  return false;
}

bool DfsStrategy::begin_execution(uint64_t index) {
  if (index > 0 && !advance()) {
    // This round is exhausted. Another is worth it only if the bound cut something off.
    if (!bounded_ || !limited_by_bound_ || bound_ >= max_bound_) return false;
    ++bound_;
    limited_by_bound_ = false;
  }
  depth_ = 0;
  preemptions_ = 0;
  last_visible_ = kNoThread;
  return true;
}

uint64_t DfsStrategy::choose(std::vector<uint64_t> options) {
  if (options.size() == 1) return options.front();  // no choice: no node
  if (depth_ < nodes_.size()) {  // replaying the prefix of the branch being explored
    const Node& n = nodes_[depth_++];
    return n.options[n.next];
  }
  const uint64_t first = options.front();
  nodes_.push_back(Node{std::move(options), 0});
  ++depth_;
  return first;
}

ThreadId DfsStrategy::pick(const ChoicePoint& point) {
  const auto& e = point.enabled;
  // Invisible steps commute with everything: run them at once, never as a choice.
  const auto current = std::find(e.begin(), e.end(), point.current);
  if (current != e.end() && is_invisible(point.pending[to_index(point.current)])) {
    return point.current;
  }
  for (ThreadId t : e) {
    if (is_invisible(point.pending[to_index(t)])) return t;
  }
  // A choice between visible steps. Continuing the thread that ran the last one is free;
  // switching away from it while it could go on is a preemption.
  const bool can_continue = last_visible_ != kNoThread &&
                            std::find(e.begin(), e.end(), last_visible_) != e.end() &&
                            point.pending[to_index(last_visible_)].op != Op::kAwait;
  const bool may_preempt = !bounded_ || preemptions_ < bound_;
  ThreadId chosen{};
  if (e.size() == 1 || (can_continue && !may_preempt)) {
    // No choice here (counted without building the options: this is the common case).
    if (e.size() > 1) limited_by_bound_ = true;
    chosen = can_continue ? last_visible_ : e.front();
  } else if (depth_ < nodes_.size()) {
    const Node& n = nodes_[depth_++];  // replaying the prefix of the branch being explored
    chosen = ThreadId{static_cast<uint32_t>(n.options[n.next])};
  } else {
    std::vector<uint64_t> options;
    options.reserve(e.size());
    if (can_continue) options.push_back(to_index(last_visible_));
    for (ThreadId t : e) {
      if (!can_continue || t != last_visible_) options.push_back(to_index(t));
    }
    chosen = ThreadId{static_cast<uint32_t>(options.front())};
    nodes_.push_back(Node{std::move(options), 0});
    ++depth_;
  }
  if (can_continue && chosen != last_visible_) ++preemptions_;
  last_visible_ = chosen;
  return chosen;
}

uint64_t DfsStrategy::pick_value(uint64_t bound) {
  std::vector<uint64_t> options(bound);
  for (uint64_t v = 0; v < bound; ++v) options[v] = v;
  return choose(std::move(options));
}

}  // namespace interleave
