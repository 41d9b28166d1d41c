// interleave_fiber_switch (see fiber_switch.hpp). The suspended context it leaves on the stack,
// from its stack pointer up: a slot for the SSE control and status word (4 bytes) and one for the
// x87 control word (2, padded to 4), then r12, r13, r14, r15, rbx, rbp, and the return address
// its call pushed. The callee-saved registers are all a call must keep (System V).
// The control words are not switched: reading them (stmxcsr) costs more than the rest of the
// switch (2% of sim_bench dfs-kept), so simulated threads share one floating-point environment,
// as Boost.Context's fibers do when built with BOOST_USE_TSX. The slots hold the default modes,
// which Boost loads if it is the one that resumes such a context (unwinding it).
#include "sim/fiber_switch.hpp"

#if INTERLEAVE_FIBER_SWITCH
asm(R"(
  # Leaves the calling context suspended on its stack, the stack pointer at it (the layout above).
  .macro interleave_suspend
  leaq -0x38(%rsp), %rsp
  movl $0x1f80, (%rsp)
  movl $0x037f, 0x4(%rsp)
  movq %r12, 0x8(%rsp)
  movq %r13, 0x10(%rsp)
  movq %r14, 0x18(%rsp)
  movq %r15, 0x20(%rsp)
  movq %rbx, 0x28(%rsp)
  movq %rbp, 0x30(%rsp)
  .endm

  .text
  .globl interleave_fiber_switch
  .type interleave_fiber_switch, @function
  .p2align 4
interleave_fiber_switch:
  interleave_suspend
  movq %rsp, %rax          # this context, suspended: handed to the one resumed
  movq %rdi, %rsp          # onto the stack of `to`
  movq 0x8(%rsp), %r12
  movq 0x10(%rsp), %r13
  movq 0x18(%rsp), %r14
  movq 0x20(%rsp), %r15
  movq 0x28(%rsp), %rbx
  movq 0x30(%rsp), %rbp
  leaq 0x38(%rsp), %rsp
  movq %rsi, %rdx          # the transfer: returned in rax:rdx, and the first argument rdi:rsi
  movq %rax, %rdi          #   of a fiber's entry function, as Boost's first jump into it is
  ret                      # to where `to` was suspended: the predicted return
  .size interleave_fiber_switch, .-interleave_fiber_switch

  .globl interleave_fiber_keep
  .type interleave_fiber_keep, @function
  .p2align 4
interleave_fiber_keep:
  interleave_suspend       # this context, suspended as interleave_fiber_switch leaves one
  movq %rsi, %rax
  movq %rsp, %rsi          # keep(arg, context), on this stack below the context (16-aligned)
  call *%rax
  leaq 0x38(%rsp), %rsp    # (keep kept the callee-saved registers, as every call does)
  xorl %eax, %eax          # nothing resumed this context: it goes on
  xorl %edx, %edx
  ret
  .size interleave_fiber_keep, .-interleave_fiber_keep
  .section .note.GNU-stack, "", @progbits
  .text
)");
#endif
