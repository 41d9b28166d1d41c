// The switch from one Boost.Context fiber to another, and a fiber as the bits it holds.
//
// On x86-64 System V (ELF) builds without a sanitizer, a switch jumps with our own routine
// rather than Boost's jump_fcontext. It saves and restores the same registers in the same
// layout on the suspended stack (so either can resume what the other suspended: Boost still
// creates, first enters and unwinds every fiber), but it resumes the other context with a
// return where Boost's ends in an indirect jump. The CPU's return-address predictor then stays
// in step: both sides of a switch call it from the same place, so the return lands where the
// predictor expects, and the returns after it do too when both fibers stopped along the same
// calls. Boost's jump leaves the predictor one entry off, and every return after a switch
// mispredicts (bench/sim_bench dfs-kept: 1-2.6% more executions/s with ours). It also leaves
// the floating-point control words alone (fiber_switch.cpp says why): the simulated threads of
// a run share one floating-point environment.
// The same layout lets a thread keep its state without leaving its fiber
// (interleave_fiber_keep, for Execution's kept states, which need it).
// Under the sanitizers, and elsewhere, Boost's own switch runs (the sanitizers are told of it)
// and no state is kept.
#pragma once

#include <cstring>

#include <boost/context/fiber.hpp>
#include <boost/version.hpp>

#include "sim/fiber_sanitizer.hpp"

// The layout is Boost's private one, checked against the Boost.Context 1.74 of Debian 12 (later
// versions add a slot); with any other version Boost's switch runs and no state is kept.
#if defined(__x86_64__) && defined(__ELF__) && !defined(_WIN32) && !defined(INTERLEAVE_TSAN) && \
    !defined(INTERLEAVE_ASAN) && BOOST_VERSION / 100 == 1074
#define INTERLEAVE_FIBER_SWITCH 1
#else
#define INTERLEAVE_FIBER_SWITCH 0
#endif

namespace interleave::fiber_switch {

// A fiber is its suspended context's pointer (fcontext_t) and nothing else.
static_assert(sizeof(boost::context::fiber) == sizeof(void*));

/// The suspended context `f` holds (null for none).
inline void* bits_of(const boost::context::fiber& f) {
  void* bits = nullptr;
  std::memcpy(&bits, static_cast<const void*>(&f), sizeof bits);
  return bits;
}

/// Overwrites `f` without destroying the context it held (kept elsewhere, or gone).
inline void set_bits(boost::context::fiber& f, void* bits) {
  std::memcpy(static_cast<void*>(&f), &bits, sizeof bits);
}

#if INTERLEAVE_FIBER_SWITCH
/// What a switch hands to the context it resumes, as Boost's jump does: the context of the one
/// that switched, now suspended, and a word of data.
struct Transfer {
  void* from;
  void* data;
};
#endif

}  // namespace interleave::fiber_switch

#if INTERLEAVE_FIBER_SWITCH
/// Suspends the calling context and resumes `to` (suspended by a switch, or by Boost.Context),
/// handing it `data`; returns when a switch or Boost resumes this context.
extern "C" interleave::fiber_switch::Transfer interleave_fiber_switch(void* to, void* data);
/// Leaves the calling context as a switch would suspend it and calls keep(arg, context) below it
/// on the same stack, which may copy the stack from `context` up (and must not throw); then
/// returns {null, null}. A copy of that stack put back in place later is a suspended context a
/// switch can resume: this call then returns (again) what that switch handed it (`from` not
/// null). A fork without a second stack: a thread keeps its state without leaving its fiber.
extern "C" interleave::fiber_switch::Transfer interleave_fiber_keep(
    void* arg, void (*keep)(void* arg, void* context) noexcept);
#endif
