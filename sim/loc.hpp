// Source locations captured at the model's call site through default arguments.
#pragma once

namespace interleave {

/// Where a visible operation was written. `Loc::here()` as a default argument captures the
/// caller's file and line (g++ 12 and clang 14 both support __builtin_FILE/__builtin_LINE there;
/// std::source_location is not available on clang 14).
struct Loc {
  const char* file = "";
  unsigned line = 0;

  static constexpr Loc here(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) {
    return Loc{file, line};
  }
};

}  // namespace interleave
