// An undo log: what a judge changed since its run began, with the values it replaced, so that a
// search can take it back to an earlier call of the run (Monitor::rewind) instead of hearing the
// calls before it again.
// Ground rules:
//  - the owner saves before it changes: an object (save), a whole vector (save_all) or a vector's
//    length before appending to it (save_length); mark() starts each call;
//  - what was saved stays where it is until undone: before storage holding saved objects (or
//    saved vectors) grows and moves, the owner calls forget(), and the log cannot go back past
//    that call; a vector saved with save_all may reallocate its own elements freely;
//  - undoing restores the values in reverse order, so every object ends as it was at the mark.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

namespace interleave {

class UndoLog {
 public:
  /// Before changing `x`.
  template <class T>
  void save(const T& x) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::byte* payload = append(sizeof(T), sizeof(T), nullptr);
    std::memcpy(payload, &x, sizeof(T));
    footer_of(payload, sizeof(T)).at =
        const_cast<std::byte*>(reinterpret_cast<const std::byte*>(&x));
  }
  /// Before changing the length or any element of `v`.
  template <class T>
  void save_all(std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const std::size_t size = v.size() * sizeof(T);
    std::byte* payload = append(size, size, &restore_all<T>);
    if (size > 0) std::memcpy(payload, static_cast<const void*>(v.data()), size);
    footer_of(payload, size).at = reinterpret_cast<std::byte*>(&v);
  }
  /// Before appending to `v` (which is otherwise left alone): undoing drops what was appended.
  template <class T>
  void save_length(std::vector<T>& v) {
    std::byte* payload = append(0, v.size(), &truncate<T>);
    footer_of(payload, 0).at = reinterpret_cast<std::byte*>(&v);
  }

  /// Starts call number calls().
  void mark() { marks_.push_back(used_); }
  /// The calls marked since clear().
  uint64_t calls() const { return first_ + marks_.size(); }
  /// Whether undo_to(call) can go back to just before `call`.
  bool can_undo_to(uint64_t call) const { return call >= first_ && call <= calls(); }
  /// Undoes every change made from call `call` on (can_undo_to(call) must hold), latest first.
  void undo_to(uint64_t call) {
    const std::size_t c = call - first_;
    const std::size_t keep = c < marks_.size() ? marks_[c] : used_;
    while (used_ > keep) {
      const Footer& f = footer_of(bytes_.data() + used_ - sizeof(Footer), 0);
      const std::size_t start = used_ - sizeof(Footer) - padded(f.payload);
      const std::byte* payload = bytes_.data() + start;
      if (f.restore == nullptr) {
        std::memcpy(f.at, payload, f.payload);
      } else {
        f.restore(f.at, payload, f.size);
      }
      used_ = start;
    }
    marks_.resize(c);
  }
  /// Drops every change so far: the log can no longer go back before the next call (the
  /// owner's storage is about to move).
  void forget() {
    first_ = calls();
    used_ = 0;
    marks_.clear();
  }
  /// Forgets everything, the calls too: a new run.
  void clear() {
    used_ = 0;
    marks_.clear();
    first_ = 0;
  }

 private:
  /// Follows each record's payload (padded to 8 bytes), so that the log is read from its end.
  struct Footer {
    std::byte* at;     // the object, or the vector
    uint32_t payload;  // bytes saved
    uint32_t size;     // for restore: bytes saved, or the length
    void (*restore)(std::byte* at, const std::byte* payload, std::size_t size);  // null: memcpy
  };
  static constexpr std::size_t padded(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

  /// Room for a record; returns where its payload goes.
  std::byte* append(std::size_t payload, std::size_t size,
                    void (*restore)(std::byte*, const std::byte*, std::size_t)) {
    const std::size_t need = used_ + padded(payload) + sizeof(Footer);
    if (need > bytes_.size()) [[unlikely]]
      bytes_.resize(std::max(need, 2 * bytes_.size() + 4096));
    std::byte* p = bytes_.data() + used_;
    used_ = need;
    ::new (static_cast<void*>(p + padded(payload)))
        Footer{nullptr, static_cast<uint32_t>(payload), static_cast<uint32_t>(size), restore};
    return p;
  }
  static Footer& footer_of(std::byte* payload, std::size_t size) {
    return *std::launder(reinterpret_cast<Footer*>(payload + padded(size)));
  }
  template <class T>
  static void restore_all(std::byte* at, const std::byte* payload, std::size_t size) {
    auto& v = *reinterpret_cast<std::vector<T>*>(at);
    v.resize(size / sizeof(T));
    if (size > 0) std::memcpy(static_cast<void*>(v.data()), payload, size);
  }
  template <class T>
  static void truncate(std::byte* at, const std::byte* /*payload*/, std::size_t length) {
    auto& v = *reinterpret_cast<std::vector<T>*>(at);
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(length), v.end());
  }

  // Records, oldest first: payload, padding, footer. Only bytes_[0, used_) are in use.
  std::vector<std::byte> bytes_;
  std::size_t used_ = 0;
  std::vector<std::size_t> marks_;  // marks_[c]: used_ when call first_ + c began
  uint64_t first_ = 0;              // the earliest call the log can go back to
};

}  // namespace interleave
