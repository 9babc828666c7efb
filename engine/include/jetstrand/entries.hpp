#pragma once
// What a scan returns: keys and their values, in key order, held in one block of bytes.
//
// A scan of n entries makes a handful of allocations, not 2n strings: at a hundred short
// entries per call, allocating each key and value cost a scan about a third of its time.
// Elements are read as views, (key, value) pairs of std::string_view into the batch.
//
// Guarantees: a view stays valid while its batch lives and no entry is added to or removed
// from it; moving the batch keeps every view valid (the bytes do not move with it). Copies
// hold bytes of their own.

#include <cstddef>
#include <cstdint>
#include <compare>
#include <iterator>
#include <string_view>
#include <utility>
#include <vector>

namespace jetstrand {

class entries {
 public:
  using value_type = std::pair<std::string_view, std::string_view>;  // (key, value)
  using size_type = std::size_t;

  // Random access; dereferencing makes a view pair (a proxy, not a reference).
  class const_iterator {
   public:
    using iterator_concept = std::random_access_iterator_tag;
    using iterator_category = std::input_iterator_tag;  // what a proxy can promise pre-C++20
    using value_type = entries::value_type;
    using difference_type = std::ptrdiff_t;
    using reference = value_type;
    using pointer = void;

    const_iterator() = default;
    value_type operator*() const noexcept { return (*owner_)[i_]; }
    value_type operator[](difference_type n) const noexcept { return (*owner_)[i_ + static_cast<size_type>(n)]; }
    const_iterator& operator++() noexcept { return ++i_, *this; }
    const_iterator operator++(int) noexcept { auto t = *this; ++i_; return t; }
    const_iterator& operator--() noexcept { return --i_, *this; }
    const_iterator operator--(int) noexcept { auto t = *this; --i_; return t; }
    const_iterator& operator+=(difference_type n) noexcept { i_ += static_cast<size_type>(n); return *this; }
    const_iterator& operator-=(difference_type n) noexcept { i_ -= static_cast<size_type>(n); return *this; }
    friend const_iterator operator+(const_iterator a, difference_type n) noexcept { return a += n; }
    friend const_iterator operator+(difference_type n, const_iterator a) noexcept { return a += n; }
    friend const_iterator operator-(const_iterator a, difference_type n) noexcept { return a -= n; }
    friend difference_type operator-(const const_iterator& a, const const_iterator& b) noexcept {
      return static_cast<difference_type>(a.i_) - static_cast<difference_type>(b.i_);
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) noexcept { return a.i_ == b.i_; }
    friend auto operator<=>(const const_iterator& a, const const_iterator& b) noexcept { return a.i_ <=> b.i_; }

   private:
    friend class entries;
    const_iterator(const entries* owner, size_type i) noexcept : owner_(owner), i_(i) {}
    const entries* owner_ = nullptr;
    size_type i_ = 0;
  };
  using iterator = const_iterator;

  entries() = default;

  size_type size() const noexcept { return index_.size(); }
  bool empty() const noexcept { return index_.empty(); }
  // Precondition: i < size().
  value_type operator[](size_type i) const noexcept {
    const auto& e = index_[i];
    return {{bytes_.data() + e.key_at, e.key_size}, {bytes_.data() + e.value_at, e.value_size}};
  }
  value_type front() const noexcept { return (*this)[0]; }
  value_type back() const noexcept { return (*this)[size() - 1]; }
  const_iterator begin() const noexcept { return {this, 0}; }
  const_iterator end() const noexcept { return {this, size()}; }

  // --- Building (the engine fills a batch; so can a caller, e.g. a test's expectation) ---

  // Room for `count` entries and `bytes` of keys and values without reallocating.
  void reserve(size_type count, size_type bytes) {
    index_.reserve(count);
    bytes_.reserve(bytes);
  }
  // Appends (key, value) as the last entry. Views taken before may be invalidated.
  void push_back(std::string_view key, std::string_view value) {
    const size_type at = bytes_.size();
    append(key);
    append(value);
    index_.push_back({at, static_cast<std::uint32_t>(key.size()), static_cast<std::uint32_t>(value.size()), at + key.size()});
  }
  // Makes `value` the value of entry i (its old bytes stay, unused, until the batch goes).
  void set_value(size_type i, std::string_view value) {
    const size_type at = bytes_.size();
    append(value);
    index_[i].value_at = at;
    index_[i].value_size = static_cast<std::uint32_t>(value.size());
  }
  // Removes entry i; the ones after it move up by one.
  void erase(size_type i) { index_.erase(index_.begin() + static_cast<std::ptrdiff_t>(i)); }
  // Bytes held for keys and values, including any left unused by set_value.
  size_type byte_size() const noexcept { return bytes_.size(); }

  friend bool operator==(const entries& a, const entries& b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_type i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }

 private:
  struct slot {
    std::uint64_t key_at;
    std::uint32_t key_size;  // keys are at most 255 bytes, values at most 64 MiB
    std::uint32_t value_size;
    std::uint64_t value_at;
  };
  void append(std::string_view s) { bytes_.insert(bytes_.end(), s.begin(), s.end()); }

  std::vector<char> bytes_;  // a vector, not a string: a move never copies (no short-string buffer)
  std::vector<slot> index_;
};

}  // namespace jetstrand
