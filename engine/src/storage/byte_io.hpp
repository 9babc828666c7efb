#pragma once
// Little-endian fixed-width reads and writes into byte buffers, for the on-disk formats.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace jetstrand::storage {

template <typename T>
inline void store_le(unsigned char* p, T v) noexcept {
  std::memcpy(p, &v, sizeof v);  // the formats are little-endian, as is every target we build for
}
template <typename T>
inline T load_le(const unsigned char* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Appends to a growing byte string.
class byte_writer {
 public:
  explicit byte_writer(std::string& out) : out_(out) {}
  template <typename T>
  void number(T v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void bytes(std::string_view s) { out_.append(s); }

 private:
  std::string& out_;
};

// Reads from a byte range; every read checks the bounds, so corrupt input cannot overrun.
class byte_reader {
 public:
  byte_reader(const void* data, std::size_t size)
      : p_(static_cast<const unsigned char*>(data)), end_(p_ + size) {}
  template <typename T>
  bool number(T& v) {
    if (static_cast<std::size_t>(end_ - p_) < sizeof v) return false;
    std::memcpy(&v, p_, sizeof v);
    p_ += sizeof v;
    return true;
  }
  bool bytes(std::size_t n, std::string& out) {
    if (static_cast<std::size_t>(end_ - p_) < n) return false;
    out.assign(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }
  bool done() const noexcept { return p_ == end_; }

 private:
  const unsigned char* p_;
  const unsigned char* end_;
};

}  // namespace jetstrand::storage
