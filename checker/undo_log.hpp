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

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace interleave {

class UndoLog {
 public:
  /// Before changing `x`.
  template <class T>
  void save(const T& x) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* bytes = reinterpret_cast<const std::byte*>(&x);
    entries_.push_back(Entry{const_cast<std::byte*>(bytes), sizeof(T), bytes_.size(), nullptr});
    bytes_.insert(bytes_.end(), bytes, bytes + sizeof(T));
  }
  /// Before changing the length or any element of `v`.
  template <class T>
  void save_all(std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* bytes = reinterpret_cast<const std::byte*>(v.data());
    const std::size_t size = v.size() * sizeof(T);
    entries_.push_back(
        Entry{reinterpret_cast<std::byte*>(&v), size, bytes_.size(), &restore_all<T>});
    bytes_.insert(bytes_.end(), bytes, bytes + size);
  }
  /// Before appending to `v` (which is otherwise left alone): undoing drops what was appended.
  template <class T>
  void save_length(std::vector<T>& v) {
    entries_.push_back(
        Entry{reinterpret_cast<std::byte*>(&v), v.size(), bytes_.size(), &truncate<T>});
  }

  /// Starts call number calls().
  void mark() { marks_.push_back(entries_.size()); }
  /// The calls marked since clear().
  uint64_t calls() const { return first_ + marks_.size(); }
  /// Whether undo_to(call) can go back to just before `call`.
  bool can_undo_to(uint64_t call) const { return call >= first_ && call <= calls(); }
  /// Undoes every change made from call `call` on (can_undo_to(call) must hold).
  void undo_to(uint64_t call) {
    const std::size_t c = call - first_;
    const std::size_t keep = c < marks_.size() ? marks_[c] : entries_.size();
    for (std::size_t i = entries_.size(); i-- > keep;) {
      const Entry& e = entries_[i];
      if (e.restore == nullptr) {
        std::memcpy(e.at, bytes_.data() + e.offset, e.size);
      } else {
        e.restore(e.at, bytes_.data() + e.offset, e.size);
      }
    }
    if (keep < entries_.size()) bytes_.resize(entries_[keep].offset);
    entries_.resize(keep);
    marks_.resize(c);
  }
  /// Drops every change so far: the log can no longer go back before the next call (the
  /// owner's storage is about to move).
  void forget() {
    first_ = calls();
    entries_.clear();
    bytes_.clear();
    marks_.clear();
  }
  /// Forgets everything, the calls too: a new run.
  void clear() {
    entries_.clear();
    bytes_.clear();
    marks_.clear();
    first_ = 0;
  }

 private:
  struct Entry {
    std::byte* at;       // the object, or the vector
    std::size_t size;    // bytes saved; for save_length, the length
    std::size_t offset;  // where in bytes_ (ascending: bytes_ is cut back to it)
    void (*restore)(std::byte* at, const std::byte* bytes, std::size_t size);  // null: memcpy
  };
  template <class T>
  static void restore_all(std::byte* at, const std::byte* bytes, std::size_t size) {
    auto& v = *reinterpret_cast<std::vector<T>*>(at);
    v.resize(size / sizeof(T));
    if (size > 0) std::memcpy(static_cast<void*>(v.data()), bytes, size);
  }
  template <class T>
  static void truncate(std::byte* at, const std::byte* /*bytes*/, std::size_t length) {
    auto& v = *reinterpret_cast<std::vector<T>*>(at);
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(length), v.end());
  }

  std::vector<Entry> entries_;
  std::vector<std::byte> bytes_;
  std::vector<std::size_t> marks_;  // marks_[c]: entries_ before call first_ + c
  uint64_t first_ = 0;              // the earliest call the log can go back to
};

}  // namespace interleave
