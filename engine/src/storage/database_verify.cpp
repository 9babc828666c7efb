// database_file::verify: every page the durable snapshot uses, read and checked once.
#include "storage/database_file.hpp"

#include "jetstrand/crc32c.hpp"
#include "jetstrand/error.hpp"
#include "io/posix.hpp"
#include "storage/free_list.hpp"

#include <fcntl.h>

namespace jetstrand::storage {
namespace {

using boost::system::error_code;
namespace posix = io::posix;
constexpr int max_depth = 64;  // a corrupt cycle of branch pages stops here

struct verifier {
  int fd;
  database_header h;
  std::vector<unsigned char> page;

  error_code read(std::uint32_t page_no) {
    if (page_no < 2 || page_no >= h.page_count) return jet_errc::database_corrupted;
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (auto ec = posix::read_exact_at(fd, page.data(), page.size(), std::uint64_t{page_no} * h.page_size)) {
        return ec == jet_errc::disk_io ? error_code(jet_errc::read_verify_failure) : ec;
      }
      if (verify_page(page.data(), page.size(), page_no)) return {};
    }
    return jet_errc::read_verify_failure;
  }

  error_code long_value(const long_ref& r) {
    const auto per_page = page_payload(h.page_size);
    const auto n = static_cast<std::uint32_t>((r.length + per_page - 1) / per_page);
    std::uint32_t crc = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      if (auto ec = read(r.first_page + i)) return ec;
      if (read_page_info(page.data()).type != page_type::overflow) return jet_errc::database_corrupted;
      const auto len = std::min<std::size_t>(per_page, r.length - std::size_t{i} * per_page);
      crc = crc32c(page.data() + page_header_size, len, crc);
    }
    return crc == r.crc ? error_code{} : error_code(jet_errc::read_verify_failure);
  }

  error_code node(std::uint32_t page_no, int depth) {
    if (depth > max_depth) return jet_errc::database_corrupted;
    if (auto ec = read(page_no)) return ec;
    if (!check_node_page(page.data(), page.size(), h.page_count)) return jet_errc::database_corrupted;
    // Copy what is needed before the buffer is reused for children.
    if (node_type(page.data()) == page_type::leaf) {
      std::vector<long_ref> longs;
      for (std::size_t i = 0; i < entry_count(page.data()); ++i) {
        auto e = leaf_at(page.data(), i);
        if (e.is_long) longs.push_back(decode_long_ref(e.value));
      }
      for (const auto& r : longs) {
        if (auto ec = long_value(r)) return ec;
      }
      return {};
    }
    const auto children = branch_entries(page.data()).children;
    for (auto c : children) {
      if (auto ec = node(c, depth + 1)) return ec;
    }
    return {};
  }
};

}  // namespace

error_code database_file::verify(const std::filesystem::path& path) {
  posix::unique_fd fd;
  if (auto ec = posix::open(path, O_RDONLY, fd)) {
    return ec == boost::system::errc::no_such_file_or_directory ? error_code(jet_errc::database_not_found) : ec;
  }
  std::vector<unsigned char> start(2 * max_page_size);
  std::size_t got = 0;
  if (auto ec = posix::read_at(fd.get(), start.data(), start.size(), 0, got)) return ec;
  verifier v{fd.get(), {}, {}};
  std::uint32_t slot = 0;
  if (!decode_headers(start.data(), got, v.h, slot)) return jet_errc::read_verify_failure;
  v.page.resize(v.h.page_size);
  std::set<std::uint32_t> free_pages;
  std::size_t guard = 0;
  for (std::uint32_t p = v.h.free_list; p != 0;) {
    if (++guard > v.h.page_count) return jet_errc::database_corrupted;
    if (auto ec = v.read(p)) return ec;
    if (!decode_free_list_page(v.page.data(), v.page.size(), v.h.page_count, free_pages, p)) {
      return jet_errc::database_corrupted;
    }
  }
  return v.node(v.h.root, 0);
}

}  // namespace jetstrand::storage
