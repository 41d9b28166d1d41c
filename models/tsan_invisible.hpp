// Hides the tool's own bookkeeping in native runs from ThreadSanitizer, so TSan judges the model
// alone: our locks and atomics must not order the model's threads (that would hide races).
#pragma once

#include "sim/fiber_sanitizer.hpp"  // INTERLEAVE_TSAN

#if defined(INTERLEAVE_TSAN)
extern "C" {
void AnnotateIgnoreReadsBegin(const char* file, int line);
void AnnotateIgnoreReadsEnd(const char* file, int line);
void AnnotateIgnoreWritesBegin(const char* file, int line);
void AnnotateIgnoreWritesEnd(const char* file, int line);
void AnnotateIgnoreSyncBegin(const char* file, int line);
void AnnotateIgnoreSyncEnd(const char* file, int line);
}
#endif

namespace interleave {

/// While in scope, TSan ignores the calling thread's memory accesses and synchronisation (for
/// the run's findings, notes and thread accounting). Nothing at all without TSan.
class TsanInvisible {
 public:
#if defined(INTERLEAVE_TSAN)
  TsanInvisible() {
    AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
  }
  ~TsanInvisible() {
    AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
    AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
  }
#else
  TsanInvisible() {}  // user-provided: a scope object, not an unused variable
#endif
  TsanInvisible(const TsanInvisible&) = delete;
  TsanInvisible& operator=(const TsanInvisible&) = delete;
};

}  // namespace interleave
