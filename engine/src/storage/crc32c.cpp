#include "jetstrand/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace jetstrand {
namespace {

constexpr std::uint32_t polynomial = 0x82F63B78u;  // reflected Castagnoli

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ polynomial : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto table = make_table();

std::uint32_t crc32c_portable(const unsigned char* p, std::size_t n, std::uint32_t crc) {
  while (n--) crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(const unsigned char* p,
                                                             std::size_t n,
                                                             std::uint32_t crc) {
  std::uint64_t c = crc;
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}
const bool has_sse42 = __builtin_cpu_supports("sse4.2");
#else
const bool has_sse42 = false;
#endif

}  // namespace

bool crc32c_hardware() noexcept { return has_sse42; }

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t seed) noexcept {
  auto p = static_cast<const unsigned char*>(data);
  std::uint32_t crc = ~seed;
#if defined(__x86_64__)
  if (has_sse42) return ~crc32c_sse42(p, size, crc);
#endif
  return ~crc32c_portable(p, size, crc);
}

}  // namespace jetstrand
