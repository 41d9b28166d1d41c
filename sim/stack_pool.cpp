// Fiber stack pool: mmap with a PROT_NONE guard page below each stack.
#include "sim/stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

namespace interleave {
namespace {

std::size_t page_size() {
  static const std::size_t kPage = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return kPage;
}

}  // namespace

StackPool::StackPool(std::size_t stack_size)
    : size_((stack_size + page_size() - 1) / page_size() * page_size()) {}

StackPool::~StackPool() {
  for (void* base : made_) ::munmap(base, size_ + page_size());
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
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  ::mprotect(base, page_size(), PROT_NONE);  // overflow faults instead of corrupting a neighbour
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
