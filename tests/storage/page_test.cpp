// CRC32C and the page format.
#include "storage/page.hpp"

#include "jetstrand/crc32c.hpp"

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <vector>

using namespace jetstrand;
using namespace jetstrand::storage;

BOOST_AUTO_TEST_SUITE(pages)

BOOST_AUTO_TEST_CASE(crc32c_matches_the_standard_check_value) {
  // The CRC-32C check value of "123456789" (RFC 3720, appendix B.4).
  BOOST_TEST(crc32c("123456789", 9) == 0xE3069283u);
  BOOST_TEST(crc32c("", 0) == 0u);
  // Chaining through the seed equals one pass.
  BOOST_TEST(crc32c("6789", 4, crc32c("12345", 5)) == 0xE3069283u);
}

BOOST_AUTO_TEST_CASE(crc32c_agrees_at_every_length_and_alignment) {
  // The hardware path works in 8-byte steps: cover every tail length and misalignment
  // against the bytewise definition.
  std::vector<unsigned char> data(300);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 31 + 7);
  auto bytewise = [](const unsigned char* p, std::size_t n) {
    std::uint32_t c = ~0u;
    for (std::size_t i = 0; i < n; ++i) {
      c ^= p[i];
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
  };
  for (std::size_t off = 0; off < 9; ++off) {
    for (std::size_t n = 0; n + off <= data.size(); n += 13) {
      BOOST_TEST_REQUIRE(crc32c(data.data() + off, n) == bytewise(data.data() + off, n));
    }
  }
}

BOOST_AUTO_TEST_CASE(crc32c_three_stream_blocks_agree_with_the_definition) {
  // Long inputs go through three interleaved streams joined by table shifts (768-byte and
  // 6 KiB rounds): every length around and across those rounds, chained or not.
  std::vector<unsigned char> data(3 * 6144 + 3000);
  std::uint32_t x = 12345;
  for (auto& b : data) b = static_cast<unsigned char>((x = x * 1103515245u + 12345u) >> 24);
  auto bytewise = [](const unsigned char* p, std::size_t n, std::uint32_t seed) {
    std::uint32_t c = ~seed;
    for (std::size_t i = 0; i < n; ++i) {
      c ^= p[i];
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
  };
  for (std::size_t off : {0u, 3u}) {
    for (std::size_t n = 700; n + off <= data.size(); n += 251) {
      BOOST_TEST_REQUIRE(crc32c(data.data() + off, n) == bytewise(data.data() + off, n, 0));
    }
  }
  for (std::size_t n : {767u, 768u, 769u, 6143u, 6144u, 6145u, 8192u, 12288u, 18432u}) {
    BOOST_TEST_REQUIRE(crc32c(data.data(), n) == bytewise(data.data(), n, 0));
    BOOST_TEST_REQUIRE(crc32c(data.data() + n, 999, crc32c(data.data(), n)) == bytewise(data.data(), n + 999, 0));
  }
}

BOOST_AUTO_TEST_CASE(sealed_page_verifies_and_any_flip_is_caught) {
  std::vector<unsigned char> page(8192, 0);
  std::memcpy(page.data() + page_header_size, "payload", 7);
  seal_page(page.data(), page.size(), {42, 7, page_type::leaf, 1});
  BOOST_TEST(verify_page(page.data(), page.size(), 42));
  BOOST_TEST(!verify_page(page.data(), page.size(), 43));  // written to the wrong place
  auto info = read_page_info(page.data());
  BOOST_TEST(info.page_no == 42u);
  BOOST_TEST(info.lsn == 7u);
  BOOST_TEST(info.count == 1u);
  for (std::size_t at : {std::size_t{0}, std::size_t{5}, std::size_t{100}, page.size() - 1}) {
    page[at] ^= 0x10;
    BOOST_TEST(!verify_page(page.data(), page.size(), 42));
    page[at] ^= 0x10;
  }
}

BOOST_AUTO_TEST_CASE(page_sizes_are_powers_of_two_from_4_to_32_kib) {
  for (std::size_t ok : {4096u, 8192u, 16384u, 32768u}) BOOST_TEST(valid_page_size(ok));
  for (std::size_t bad : {0u, 2048u, 6000u, 65536u}) BOOST_TEST(!valid_page_size(bad));
}

BOOST_AUTO_TEST_SUITE_END()
