#include "storage/free_list.hpp"

#include "storage/byte_io.hpp"
#include "storage/page.hpp"

#include <cstring>

namespace jetstrand::storage {

page_ranges to_ranges(const std::vector<std::uint32_t>& sorted_pages) {
  page_ranges out;
  for (auto p : sorted_pages) {
    if (!out.empty() && out.back().first + out.back().second == p) {
      ++out.back().second;
    } else if (out.empty() || out.back().first + out.back().second < p) {
      out.emplace_back(p, 1);
    }  // else: a duplicate
  }
  return out;
}

std::size_t ranges_per_page(std::size_t page_size) noexcept {
  return (page_size - page_header_size - 8) / 8;
}

void encode_free_list_page(unsigned char* page, std::size_t page_size, std::uint32_t page_no,
                           std::uint64_t lsn, std::uint32_t next, const page_ranges& ranges,
                           std::size_t from, std::size_t n) {
  std::memset(page, 0, page_size);
  unsigned char* p = page + page_header_size;
  store_le<std::uint32_t>(p, next);
  store_le<std::uint32_t>(p + 4, static_cast<std::uint32_t>(n));
  p += 8;
  for (std::size_t i = from; i < from + n; ++i, p += 8) {
    store_le<std::uint32_t>(p, ranges[i].first);
    store_le<std::uint32_t>(p + 4, ranges[i].second);
  }
  seal_page(page, page_size, {page_no, lsn, page_type::free_list, 0});
}

bool decode_free_list_page(const unsigned char* page, std::size_t page_size,
                           std::uint32_t page_count, std::set<std::uint32_t>& out,
                           std::uint32_t& next) {
  if (read_page_info(page).type != page_type::free_list) return false;
  const unsigned char* p = page + page_header_size;
  next = load_le<std::uint32_t>(p);
  const auto n = load_le<std::uint32_t>(p + 4);
  if (n > ranges_per_page(page_size) || (next != 0 && (next < 2 || next >= page_count))) return false;
  p += 8;
  for (std::uint32_t i = 0; i < n; ++i, p += 8) {
    const auto first = load_le<std::uint32_t>(p), count = load_le<std::uint32_t>(p + 4);
    if (first < 2 || count == 0 || std::uint64_t{first} + count > page_count) return false;
    for (std::uint32_t q = first; q < first + count; ++q) out.insert(out.end(), q);
  }
  return true;
}

}  // namespace jetstrand::storage
