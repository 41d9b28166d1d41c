// Fiber stack pool: mmap with a PROT_NONE guard below each stack, and the report of an overflow.
#include "sim/stack_pool.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <utility>

#include "sim/fiber_sanitizer.hpp"

namespace interleave {
namespace {

std::size_t page_size() {
  static const std::size_t kPage = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return kPage;
}

// ---- stack overflow reports ----
// The signal handler may only read what it finds here: fixed slots of atomics, no allocation.

// Below each stack, inaccessible: a frame bigger than a page would jump over a one-page guard
// into whatever lies below (GCC here does not probe big frames). Costs address space only.
constexpr std::size_t kGuardBytes = 64 * 1024;

struct Guard {
  std::atomic<uintptr_t> low{0};  // the guard's first byte; 0: free; kClaimed: being filled
  std::atomic<std::size_t> stack_size{0};
};
constexpr uintptr_t kClaimed = 1;
// Stacks alive at once that a report can name (--jobs 256 with 64 model threads each); an
// overflow of a stack beyond them is a plain crash.
constexpr std::size_t kGuards = 16384;
Guard g_guards[kGuards];

void add_guard(const void* base, std::size_t stack_size) {
  for (Guard& g : g_guards) {
    uintptr_t free = 0;
    if (g.low.load(std::memory_order_relaxed) != 0 ||
        !g.low.compare_exchange_strong(free, kClaimed, std::memory_order_acq_rel)) {
      continue;
    }
    g.stack_size.store(stack_size, std::memory_order_relaxed);
    g.low.store(reinterpret_cast<uintptr_t>(base), std::memory_order_release);
    return;
  }
}

void remove_guard(const void* base) {
  const auto low = reinterpret_cast<uintptr_t>(base);
  for (Guard& g : g_guards) {
    uintptr_t mine = low;
    if (g.low.compare_exchange_strong(mine, 0, std::memory_order_acq_rel)) return;
  }
}

thread_local OverflowContext t_context;
struct sigaction g_previous[2];  // SIGSEGV's and SIGBUS's handlers before ours
std::atomic<bool> g_reporting{false};
// save_overflowing_runs(): set before a search, read by the handler only.
std::string g_save_path;
std::string g_save_partial;  // written first, then renamed: a failed write leaves `path` alone
std::string g_save_head;

/// Appends to a line being built in a fixed buffer (no allocation in a signal handler).
struct Line {
  char text[512];
  std::size_t size = 0;
  void add(const char* s) {
    while (*s != '\0' && size + 1 < sizeof text) text[size++] = *s++;
  }
  void add(uint64_t v) {
    char digits[24];
    std::size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0 && size + 1 < sizeof text) text[size++] = digits[--n];
  }
};

/// Writes all of `data` to `fd` (in a signal handler); false if it could not.
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t w = ::write(fd, data, size);
    if (w <= 0) return false;
    data += w;
    size -= static_cast<std::size_t>(w);
  }
  return true;
}

/// Writes `count` numbers, comma-separated, a buffer at a time.
template <class T>
bool write_numbers(int fd, const T* values, std::size_t count) {
  Line chunk;
  for (std::size_t i = 0; i < count; ++i) {
    if (chunk.size + 24 >= sizeof chunk.text) {
      if (!write_all(fd, chunk.text, chunk.size)) return false;
      chunk.size = 0;
    }
    if (i > 0) chunk.add(",");
    chunk.add(static_cast<uint64_t>(values[i]));
  }
  return write_all(fd, chunk.text, chunk.size);
}

/// The run that overflowed, as a trace (save_overflowing_runs); false if it could not be written.
bool save_run(const OverflowContext& c) {
  if (c.execution == nullptr || c.schedule == nullptr || c.random == nullptr) return false;
  std::size_t steps = 0;
  std::size_t values = 0;
  const ThreadId* schedule = c.schedule(c.execution, &steps);
  if (schedule == nullptr) return false;  // a timed run: its schedule has other entries
  const uint64_t* random = c.random(c.execution, &values);
  const int fd = ::open(g_save_partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  static constexpr char kSchedule[] = ",\"schedule\":[";
  static constexpr char kRandom[] = "],\"random\":[";
  static constexpr char kEnd[] = "]}\n";
  const bool written = write_all(fd, g_save_head.data(), g_save_head.size()) &&
                       write_all(fd, kSchedule, sizeof kSchedule - 1) &&
                       write_numbers(fd, schedule, steps) &&
                       write_all(fd, kRandom, sizeof kRandom - 1) &&
                       write_numbers(fd, random, values) && write_all(fd, kEnd, sizeof kEnd - 1);
  if (::close(fd) != 0 || !written || ::rename(g_save_partial.c_str(), g_save_path.c_str()) != 0) {
    ::unlink(g_save_partial.c_str());
    return false;
  }
  return true;
}

void report_overflow(std::size_t stack_size) {
  // Lanes run the same model: several may overflow at once. One line, from the first.
  if (g_reporting.exchange(true)) {
    for (;;) ::pause();  // the first reporter ends the process
  }
  Line line;
  line.add("interleave: ");
  const OverflowContext& c = t_context;
  const char* name = c.execution != nullptr ? c.thread_name(c.execution) : nullptr;
  if (name != nullptr) {
    line.add("thread '");
    line.add(name);
    line.add("' overflowed its stack (");
  } else {
    line.add("a model thread overflowed its stack (");
  }
  if (stack_size % (1024 * 1024) == 0) {
    line.add(static_cast<uint64_t>(stack_size / (1024 * 1024)));
    line.add(" MiB)");
  } else {
    line.add(static_cast<uint64_t>(stack_size / 1024));
    line.add(" KiB)");
  }
  if (c.execution != nullptr) {
    const uint64_t steps = c.step(c.execution);
    line.add(" after ");
    line.add(steps);
    line.add(steps == 1 ? " step of the run" : " steps of the run");
  }
  line.add(
      ": unbounded recursion in the model, or frames too big for its stack; interleave stops "
      "here\n");
  write_all(STDERR_FILENO, line.text, line.size);
  if (!g_save_path.empty()) {
    const bool saved = save_run(c);
    static constexpr char kSaved[] = "  saved: ";
    static constexpr char kFailed[] = "  could not save the run to ";
    static constexpr char kReplay[] =
        " (its replay overflows the same way: run it under a debugger to see the recursion)\n";
    write_all(STDERR_FILENO, saved ? kSaved : kFailed,
              (saved ? sizeof kSaved : sizeof kFailed) - 1);
    write_all(STDERR_FILENO, g_save_path.data(), g_save_path.size());
    write_all(STDERR_FILENO, saved ? kReplay : "\n", saved ? sizeof kReplay - 1 : 1);
  }
  ::_exit(1);
}

void on_fault(int sig, siginfo_t* info, void* context) {
  if (info != nullptr && info->si_code > 0) {  // a fault, not a signal someone sent
    const auto at = reinterpret_cast<uintptr_t>(info->si_addr);
    for (const Guard& g : g_guards) {
      const uintptr_t low = g.low.load(std::memory_order_acquire);
      if (low == 0 || low == kClaimed || at - low >= kGuardBytes) continue;
      report_overflow(g.stack_size.load(std::memory_order_relaxed));
    }
  }
  // Not a model thread's overflow: whatever handled it before does, or the default action.
  const struct sigaction& before = g_previous[sig == SIGSEGV ? 0 : 1];
  const bool handler = (before.sa_flags & SA_SIGINFO) != 0
                           ? before.sa_sigaction != nullptr
                           : before.sa_handler != SIG_DFL && before.sa_handler != SIG_IGN;
  if (handler && (before.sa_flags & SA_SIGINFO) != 0) {
    before.sa_sigaction(sig, info, context);
    return;
  }
  if (handler) {
    before.sa_handler(sig);
    return;
  }
  ::signal(sig, SIG_DFL);
  // A fault re-runs its instruction and meets the default action there; a sent signal does not.
  if (info == nullptr || info->si_code <= 0) ::raise(sig);
}

/// An alternate signal stack for this OS thread, while it runs fibers: the handler cannot run
/// on the stack that overflowed. The one the thread had before comes back when it ends.
struct AltStack {
  void* memory = nullptr;
  std::size_t size = 64 * 1024;
  stack_t before{};
  AltStack() {
    memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
      memory = nullptr;
      return;
    }
    stack_t ss{};
    ss.ss_sp = memory;
    ss.ss_size = size;
    if (::sigaltstack(&ss, &before) != 0) {
      ::munmap(memory, size);
      memory = nullptr;
    }
  }
  ~AltStack() {
    if (memory == nullptr) return;
    if ((before.ss_flags & SS_DISABLE) != 0 || before.ss_sp == nullptr) {
      stack_t off{};
      off.ss_flags = SS_DISABLE;
      ::sigaltstack(&off, nullptr);
    } else {
      ::sigaltstack(&before, nullptr);
    }
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

void save_overflowing_runs(std::string path, std::string head) {
  g_save_partial = path.empty() ? std::string() : path + ".partial";
  g_save_path = std::move(path);
  g_save_head = std::move(head);
}

StackPool::StackPool(std::size_t stack_size)
    : size_((std::max(stack_size, kMinStackSize) + page_size() - 1) / page_size() * page_size()) {}

StackPool::~StackPool() {
  for (void* base : made_) {
    remove_guard(base);
    ::munmap(base, size_ + kGuardBytes);
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
  const std::size_t total = size_ + kGuardBytes;
  void* base = ::mmap(nullptr, total, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  // Overflow faults instead of corrupting a neighbour.
  if (::mprotect(base, kGuardBytes, PROT_NONE) != 0) {
    ::munmap(base, total);
    throw std::bad_alloc();
  }
  // 2 MiB pages would make every stack that touches its top take 2 MiB.
  ::madvise(static_cast<char*>(base) + kGuardBytes, size_, MADV_NOHUGEPAGE);
  add_guard(base, size_);
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
