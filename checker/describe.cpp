// Text for reports: object labels, source locations, clocks.
#include "checker/describe.hpp"

#include <algorithm>
#include <cstring>

namespace interleave::text {

std::string object_label(const char* name, int32_t index) {
  return location_label(name != nullptr ? name : "?", index);
}

std::string loc_text(Loc loc) {
  if (loc.file == nullptr || loc.line == 0) return "?";
  return std::string(loc.file) + ":" + std::to_string(loc.line);
}

namespace {
int file_compare(const char* a, const char* b) {
  if (a == b) return 0;
  return std::strcmp(a != nullptr ? a : "", b != nullptr ? b : "");
}
}  // namespace

bool same_loc(Loc a, Loc b) {
  return a.line == b.line && file_compare(a.file, b.file) == 0;
}

bool loc_less(Loc a, Loc b) {
  const int c = file_compare(a.file, b.file);
  return c != 0 ? c < 0 : a.line < b.line;
}

const char* access_name(Op op) {
  switch (op) {
    case Op::kLoad:
      return "load";
    case Op::kStore:
      return "store";
    case Op::kAtomicLoad:
      return "atomic_load";
    case Op::kAtomicStore:
      return "atomic_store";
    case Op::kExchange:
      return "exchange";
    case Op::kCasOk:
      return "cas_ok";
    case Op::kCasFail:
      return "cas_fail";
    case Op::kFetchAdd:
      return "fetch_add";
    case Op::kLock:
      return "lock";
    case Op::kWake:
      return "wake";
    default:
      return "op";
  }
}

std::string thread_text(ThreadId thread, const std::vector<std::string>& thread_names) {
  const uint32_t i = to_index(thread);
  if (i < thread_names.size() && !thread_names[i].empty()) return "'" + thread_names[i] + "'";
  return "'thread " + std::to_string(i) + "'";
}

std::string clock_text(const uint32_t* clocks, std::size_t size,
                       const std::vector<std::string>& thread_names) {
  std::string s = "[";
  const std::size_t n = std::max(size, thread_names.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) s += ' ';
    if (i < thread_names.size() && !thread_names[i].empty()) {
      s += thread_names[i];
    } else {
      s += "thread" + std::to_string(i);
    }
    s += ':' + std::to_string(i < size ? clocks[i] : 0);
  }
  return s + "]";
}

}  // namespace interleave::text
