#include "storage/page.hpp"

#include "jetstrand/crc32c.hpp"
#include "storage/byte_io.hpp"

namespace jetstrand::storage {

bool valid_page_size(std::size_t size) noexcept {
  return size >= min_page_size && size <= max_page_size && (size & (size - 1)) == 0;
}

void stamp_page(unsigned char* page, const page_info& info) noexcept {
  store_le<std::uint32_t>(page + 4, info.page_no);
  store_le<std::uint64_t>(page + 8, info.lsn);
  store_le<std::uint16_t>(page + 16, static_cast<std::uint16_t>(info.type));
  store_le<std::uint16_t>(page + 18, info.count);
}

std::uint32_t page_checksum(const unsigned char* page, std::size_t page_size) noexcept {
  return crc32c(page + 4, page_size - 4);
}

void seal_page(unsigned char* page, std::size_t page_size, const page_info& info) noexcept {
  stamp_page(page, info);
  store_le<std::uint32_t>(page, page_checksum(page, page_size));
}

bool verify_page(const unsigned char* page, std::size_t page_size,
                 std::uint32_t page_no) noexcept {
  return load_le<std::uint32_t>(page) == crc32c(page + 4, page_size - 4) &&
         load_le<std::uint32_t>(page + 4) == page_no;
}

page_info read_page_info(const unsigned char* page) noexcept {
  return {load_le<std::uint32_t>(page + 4), load_le<std::uint64_t>(page + 8),
          static_cast<page_type>(load_le<std::uint16_t>(page + 16)), load_le<std::uint16_t>(page + 18)};
}

}  // namespace jetstrand::storage
