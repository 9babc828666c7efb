#pragma once
// The page format shared by every database page (headers included):
//
//   0  u32 crc32c of bytes [4, page_size)
//   4  u32 page number (a page copied to the wrong place fails verification)
//   8  u64 lsn: the database's log position when the page was written
//  16  u16 type
//  18  u16 entry count
//  20  u32 a branch page's leftmost child; 0 on other pages
//  24  payload
//
// Pages are written whole and never updated in place while referenced (copy-on-write), so a
// page on disk either verifies or is damaged.

#include <cstddef>
#include <cstdint>

namespace jetstrand::storage {

enum class page_type : std::uint16_t { header = 1, leaf = 2, branch = 3, overflow = 4, free_list = 5 };

inline constexpr std::size_t page_header_size = 24;
inline constexpr std::size_t min_page_size = 4096;
inline constexpr std::size_t max_page_size = 32768;
inline constexpr std::size_t default_page_size = 8192;

bool valid_page_size(std::size_t size) noexcept;

struct page_info {
  std::uint32_t page_no;
  std::uint64_t lsn;
  page_type type;
  std::uint16_t count;
};

// Fills in the header fields (all but the u32 at offset 20, which the caller sets) and the
// checksum of a page whose payload is written.
void seal_page(unsigned char* page, std::size_t page_size, const page_info& info) noexcept;
// seal_page in two steps, for a checksum computed elsewhere (a spill's, on the thread that
// writes it): the header fields, then the checksum that belongs at offset 0.
void stamp_page(unsigned char* page, const page_info& info) noexcept;
std::uint32_t page_checksum(const unsigned char* page, std::size_t page_size) noexcept;

// The checksum matches and the page says it is page `page_no`.
bool verify_page(const unsigned char* page, std::size_t page_size,
                 std::uint32_t page_no) noexcept;

page_info read_page_info(const unsigned char* page) noexcept;

}  // namespace jetstrand::storage
