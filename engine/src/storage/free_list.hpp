#pragma once
// The free pages of a database, saved by each checkpoint so that open() need not walk the
// tree: a chain of free_list pages, each holding ranges of free page numbers.
//
//   payload: u32 next page (0: last) | u32 range count | per range: u32 first | u32 count

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

namespace jetstrand::storage {

using page_ranges = std::vector<std::pair<std::uint32_t, std::uint32_t>>;  // first, count

page_ranges to_ranges(const std::vector<std::uint32_t>& sorted_pages);
std::size_t ranges_per_page(std::size_t page_size) noexcept;
// Fills page `page_no` (page_size bytes) with ranges [from, from + n) and seals it.
void encode_free_list_page(unsigned char* page, std::size_t page_size, std::uint32_t page_no,
                           std::uint64_t lsn, std::uint32_t next, const page_ranges& ranges,
                           std::size_t from, std::size_t n);
// Adds the page's ranges to `out`; false if the page is not a well-formed free-list page
// whose ranges lie in [2, page_count). `next` gets the following page (0: none).
bool decode_free_list_page(const unsigned char* page, std::size_t page_size,
                           std::uint32_t page_count, std::set<std::uint32_t>& out,
                           std::uint32_t& next);

}  // namespace jetstrand::storage
