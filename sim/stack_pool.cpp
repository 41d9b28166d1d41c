// Fiber stack pool: mmap with a PROT_NONE guard page below each stack.
#include "sim/stack_pool.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <new>

#include "sim/fiber_sanitizer.hpp"

namespace interleave {
namespace {

std::size_t page_size() {
  static const std::size_t kPage = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return kPage;
}

// ---- stack overflow reports ----
// The signal handler may only read what it finds here: fixed slots of atomics, no allocation.

struct Guard {
  std::atomic<uintptr_t> low{0};   // the guard page's first byte; 0: a free slot
  std::atomic<uintptr_t> high{0};  // one past its last; 1 while being claimed
  std::atomic<std::size_t> stack_size{0};
};
constexpr std::size_t kGuards = 4096;  // stacks alive at once; more are simply not named
Guard g_guards[kGuards];

void add_guard(const void* base, std::size_t guard, std::size_t stack_size) {
  const auto low = reinterpret_cast<uintptr_t>(base);
  for (Guard& g : g_guards) {
    uintptr_t free = 0;
    if (g.high.load(std::memory_order_relaxed) != 0 ||
        !g.high.compare_exchange_strong(free, 1, std::memory_order_acq_rel)) {
      continue;
    }
    g.stack_size.store(stack_size, std::memory_order_relaxed);
    g.low.store(low, std::memory_order_relaxed);
    g.high.store(low + guard, std::memory_order_release);
    return;
  }
}

void remove_guard(const void* base) {
  const auto low = reinterpret_cast<uintptr_t>(base);
  for (Guard& g : g_guards) {
    if (g.low.load(std::memory_order_acquire) == low) {
      g.low.store(0, std::memory_order_relaxed);
      g.high.store(0, std::memory_order_release);
      return;
    }
  }
}

thread_local OverflowContext t_context;
struct sigaction g_previous[2];  // SIGSEGV's and SIGBUS's handlers before ours

void say(const char* text) {
  const std::size_t n = std::strlen(text);
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(STDERR_FILENO, text + done, n - done);
    if (w <= 0) return;
    done += static_cast<std::size_t>(w);
  }
}

void say_number(uint64_t v) {
  char digits[24];
  char* p = digits + sizeof digits;
  *--p = '\0';
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  say(p);
}

void on_fault(int sig, siginfo_t* info, void* context) {
  const auto at = reinterpret_cast<uintptr_t>(info->si_addr);
  for (const Guard& g : g_guards) {
    const uintptr_t low = g.low.load(std::memory_order_acquire);
    if (low == 0 || at < low || at >= g.high.load(std::memory_order_acquire)) continue;
    const OverflowContext& c = t_context;
    say("interleave: ");
    if (c.execution != nullptr) {
      say("thread '");
      say(c.thread_name(c.execution));
      say("' overflowed its stack (");
    } else {
      say("a model thread overflowed its stack (");
    }
    const std::size_t size = g.stack_size.load(std::memory_order_relaxed);
    if (size % (1024 * 1024) == 0) {
      say_number(size / (1024 * 1024));
      say(" MiB)");
    } else {
      say_number(size / 1024);
      say(" KiB)");
    }
    if (c.execution != nullptr) {
      say(" after ");
      const uint64_t steps = c.step(c.execution);
      say_number(steps);
      say(steps == 1 ? " step of the run" : " steps of the run");
    }
    say(": unbounded recursion in the model, or frames too big for its stack; the search stops "
        "here\n");
    ::_exit(1);
  }
  // Not a model thread's overflow: whatever handled it before does, or the default (a crash).
  const struct sigaction& before = g_previous[sig == SIGSEGV ? 0 : 1];
  if ((before.sa_flags & SA_SIGINFO) != 0 && before.sa_sigaction != nullptr) {
    before.sa_sigaction(sig, info, context);
    return;
  }
  if (before.sa_handler != SIG_DFL && before.sa_handler != SIG_IGN &&
      before.sa_handler != nullptr) {
    before.sa_handler(sig);
    return;
  }
  ::signal(sig, SIG_DFL);  // returning re-runs the faulting instruction: the default action
}

/// An alternate signal stack for this OS thread: the handler cannot run on the stack that
/// overflowed.
struct AltStack {
  void* memory = nullptr;
  std::size_t size = 0;
  AltStack() {
    size = 64 * 1024;
    memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
      memory = nullptr;
      return;
    }
    stack_t ss{};
    ss.ss_sp = memory;
    ss.ss_size = size;
    ::sigaltstack(&ss, nullptr);
  }
  ~AltStack() {
    if (memory == nullptr) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    ::sigaltstack(&off, nullptr);
    ::munmap(memory, size);
  }
  AltStack(const AltStack&) = delete;
  AltStack& operator=(const AltStack&) = delete;
};

}  // namespace

void watch_stack_overflows(const OverflowContext& context) {
  if (fiber_sanitizer::kThread || fiber_sanitizer::kAddress) return;
  static std::once_flag installed;
  std::call_once(installed, [] {
    struct sigaction action {};
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGSEGV, &action, &g_previous[0]);
    ::sigaction(SIGBUS, &action, &g_previous[1]);
  });
  thread_local AltStack alt;
  t_context = context;
}

void unwatch_stack_overflows(const void* execution) {
  if (t_context.execution == execution) t_context = OverflowContext{};
}

StackPool::StackPool(std::size_t stack_size)
    : size_((stack_size + page_size() - 1) / page_size() * page_size()) {}

StackPool::~StackPool() {
  for (void* base : made_) {
    remove_guard(base);
    ::munmap(base, size_ + page_size());
  }
}

boost::context::stack_context StackPool::allocate() {
  boost::context::stack_context stack;
  stack.size = size_;
  if (!free_.empty()) {
    stack.sp = free_.back();
    free_.pop_back();
    return stack;
  }
  const std::size_t total = size_ + page_size();
  void* base = ::mmap(nullptr, total, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  ::mprotect(base, page_size(), PROT_NONE);  // overflow faults instead of corrupting a neighbour
  add_guard(base, page_size(), size_);
  made_.push_back(base);
  stack.sp = static_cast<char*>(base) + total;
  return stack;
}

void StackPool::deallocate(boost::context::stack_context& stack) noexcept {
  try {
    free_.push_back(stack.sp);
  } catch (...) {
    // Out of memory while recycling: leak the stack rather than fail; the pool still unmaps it.
  }
}

}  // namespace interleave
