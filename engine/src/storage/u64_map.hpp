#pragma once
// A hash map from 64-bit keys to small values, for the page cache's lookups (one or two per
// page an operation touches, so they are on every get's path).
//
// Open addressing with linear probing in one array (a lookup reads one or two adjacent
// slots, where std::unordered_map follows a bucket pointer to a node), at most half full,
// deletion by backward shift (no tombstones: lookups stay as short after many erasures).
// Keys are mixed with a multiplicative hash, so page numbers that differ in a few low bits
// spread over the table. Pointers to values are valid until the next insert or erase.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace jetstrand::storage {

template <typename T>
class u64_map {
 public:
  std::size_t size() const noexcept { return size_; }

  T* find(std::uint64_t key) noexcept {
    if (size_ == 0) return nullptr;
    for (std::size_t i = home(key);; i = next(i)) {
      auto& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.key == key) return &s.value;
    }
  }

  // Inserts or replaces; returns the stored value.
  T& insert(std::uint64_t key, T value) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    for (std::size_t i = home(key);; i = next(i)) {
      auto& s = slots_[i];
      if (!s.used) {
        s = {key, std::move(value), true};
        ++size_;
        return s.value;
      }
      if (s.key == key) {
        s.value = std::move(value);
        return s.value;
      }
    }
  }

  // Removes the key; the value is handed back (default when absent).
  T erase(std::uint64_t key) noexcept {
    if (size_ == 0) return T{};
    std::size_t i = home(key);
    for (;; i = next(i)) {
      if (!slots_[i].used) return T{};
      if (slots_[i].key == key) break;
    }
    return erase_at(i);
  }

  // Removes every entry for which f(key, value&) returns true; f must not insert or erase.
  template <typename F>
  void erase_if(F&& f) {
    // A removal pulls later entries back into slot i, so i is looked at again; entries of a
    // run that wrapped past the end only move onto slots not yet looked at.
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      while (slots_[i].used && f(slots_[i].key, slots_[i].value)) erase_at(i);
    }
  }

  // Calls f(key, value&) for every entry; f must not insert or erase.
  template <typename F>
  void for_each(F&& f) {
    for (auto& s : slots_) {
      if (s.used) f(s.key, s.value);
    }
  }

 private:
  struct slot {
    std::uint64_t key = 0;
    T value{};
    bool used = false;
  };

  T erase_at(std::size_t i) noexcept {
    T out = std::move(slots_[i].value);
    // Backward shift: pull each later entry of the run into the hole unless its home lies
    // cyclically within (hole, its slot], where it must stay to remain reachable.
    for (std::size_t j = next(i);; j = next(j)) {
      auto& s = slots_[j];
      if (!s.used) break;
      const std::size_t h = home(s.key);
      const bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
      if (stays) continue;
      slots_[i] = std::move(s);
      i = j;
    }
    slots_[i] = slot{};
    --size_;
    return out;
  }

  std::size_t home(std::uint64_t key) const noexcept {
    // Fibonacci hashing: the top bits of key * 2^64/phi, as many as the table has.
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  std::size_t next(std::size_t i) const noexcept { return (i + 1) & (slots_.size() - 1); }

  void grow() {
    std::vector<slot> old = std::move(slots_);
    const std::size_t capacity = old.empty() ? 16 : old.size() * 2;
    slots_ = std::vector<slot>(capacity);
    shift_ = 64;
    for (std::size_t c = capacity; c > 1; c >>= 1) --shift_;
    size_ = 0;
    for (auto& s : old) {
      if (s.used) insert(s.key, std::move(s.value));
    }
  }

  std::vector<slot> slots_;
  std::size_t size_ = 0;
  int shift_ = 64;
};

}  // namespace jetstrand::storage
