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
// Three independent crc32 streams hide the instruction's 3-cycle latency (one stream runs at
// a third of the unit's throughput). Each stream covers one of three adjacent blocks; the
// CRCs are then joined by "shifting" the first over the length of the next (multiplying by
// x^(8·len) mod P, table-driven), as in Mark Adler's crc32c.c.
constexpr std::size_t long_block = 2048;  // powers of two (see zeros_operator)
constexpr std::size_t short_block = 256;

std::uint32_t gf2_times(const std::uint32_t* mat, std::uint32_t vec) {
  std::uint32_t sum = 0;
  for (; vec; vec >>= 1, ++mat) {
    if (vec & 1) sum ^= *mat;
  }
  return sum;
}

void gf2_square(std::uint32_t* square, const std::uint32_t* mat) {
  for (int n = 0; n < 32; ++n) square[n] = gf2_times(mat, mat[n]);
}

// The operator that appends `len` zero bytes to a CRC state; `len` a power of two.
void zeros_operator(std::uint32_t* even, std::size_t len) {
  std::uint32_t odd[32];
  odd[0] = polynomial;  // one zero bit
  for (std::uint32_t n = 1, row = 1; n < 32; ++n, row <<= 1) odd[n] = row;
  gf2_square(even, odd);  // two zero bits
  gf2_square(odd, even);  // four
  do {
    gf2_square(even, odd);  // eight zero bits (one byte) on the first pass, then doubling
    len >>= 1;
    if (len == 0) return;
    gf2_square(odd, even);
    len >>= 1;
  } while (len);
  std::memcpy(even, odd, sizeof odd);
}

struct shift_table {
  std::uint32_t t[4][256];
  explicit shift_table(std::size_t len) {
    std::uint32_t op[32];
    zeros_operator(op, len);
    for (std::uint32_t n = 0; n < 256; ++n) {
      t[0][n] = gf2_times(op, n);
      t[1][n] = gf2_times(op, n << 8);
      t[2][n] = gf2_times(op, n << 16);
      t[3][n] = gf2_times(op, n << 24);
    }
  }
  std::uint32_t shift(std::uint32_t crc) const {
    return t[0][crc & 0xff] ^ t[1][(crc >> 8) & 0xff] ^ t[2][(crc >> 16) & 0xff] ^ t[3][crc >> 24];
  }
};

std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

template <std::size_t Block>
__attribute__((target("sse4.2"))) std::uint32_t three_streams(const unsigned char*& p, std::size_t& n,
                                                              std::uint32_t crc, const shift_table& join) {
  while (n >= 3 * Block) {
    std::uint64_t c0 = crc, c1 = 0, c2 = 0;
    for (std::size_t i = 0; i < Block; i += 8) {
      c0 = _mm_crc32_u64(c0, load64(p + i));
      c1 = _mm_crc32_u64(c1, load64(p + Block + i));
      c2 = _mm_crc32_u64(c2, load64(p + 2 * Block + i));
    }
    crc = join.shift(static_cast<std::uint32_t>(c0)) ^ static_cast<std::uint32_t>(c1);
    crc = join.shift(crc) ^ static_cast<std::uint32_t>(c2);
    p += 3 * Block;
    n -= 3 * Block;
  }
  return crc;
}

__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(const unsigned char* p,
                                                             std::size_t n,
                                                             std::uint32_t crc) {
  static const shift_table long_shift(long_block);  // built once, on first use
  static const shift_table short_shift(short_block);
  crc = three_streams<long_block>(p, n, crc, long_shift);
  crc = three_streams<short_block>(p, n, crc, short_shift);
  std::uint64_t c = crc;
  while (n >= 8) {
    c = _mm_crc32_u64(c, load64(p));
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
