// How a model value is shown in events: integers as themselves, anything else as 0.
#pragma once

#include <cstdint>
#include <type_traits>

namespace interleave {

template <class T>
constexpr int64_t event_value(const T& v) {
  if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
    return static_cast<int64_t>(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<int64_t>(v);
  } else {
    return 0;
  }
}

}  // namespace interleave
