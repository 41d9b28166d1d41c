// The check macro for interleave's own invariants (never for model bugs, which are findings).
#pragma once

#include <cstdio>
#include <cstdlib>

/// Aborts with a message naming the broken invariant. Model misbehaviour must never reach this.
#define INTERLEAVE_INTERNAL_CHECK(cond, msg)                                                    \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "interleave internal error: %s (%s:%d)\n", msg, __FILE__, __LINE__); \
      std::abort();                                                                             \
    }                                                                                           \
  } while (false)
