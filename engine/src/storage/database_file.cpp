#include "storage/database_file.hpp"

#include "jetstrand/error.hpp"
#include "io/posix.hpp"
#include "storage/byte_io.hpp"
#include "storage/free_list.hpp"

#include <algorithm>
#include <cstring>
#include <fcntl.h>

namespace jetstrand::storage {
namespace {

using boost::system::error_code;
namespace posix = io::posix;
constexpr char magic[8] = {'J', 'E', 'T', 'S', 'T', 'R', 'D', 'B'};
constexpr std::uint32_t format_version = 2;  // 2: pages read on demand, free list saved
constexpr int read_attempts = 3;

}  // namespace

std::vector<unsigned char> encode_header(const database_header& h, std::uint32_t slot) {
  std::vector<unsigned char> page(h.page_size, 0);
  std::string payload;
  byte_writer w(payload);
  w.bytes(std::string_view(magic, sizeof magic));
  w.number(format_version);
  w.number(h.page_size);
  w.number(h.seq);
  w.number(h.root);
  w.number(h.page_count);
  w.number(h.lsn);
  w.number(h.last_full_backup_lsn);
  w.number(h.last_backup_gen_high);
  w.number(h.free_list);
  w.number(static_cast<std::uint16_t>(h.name.size()));
  w.bytes(h.name);
  w.number(h.last_backup_unix_ms);
  w.number(static_cast<std::uint8_t>(h.last_backup_incremental));
  std::memcpy(page.data() + page_header_size, payload.data(), payload.size());
  seal_page(page.data(), page.size(), {slot, h.lsn, page_type::header, 0});
  return page;
}

bool decode_headers(const unsigned char* data, std::size_t size, database_header& out,
                    std::uint32_t& slot) {
  bool found = false;
  for (std::size_t ps = min_page_size; ps <= max_page_size; ps *= 2) {
    for (std::uint32_t s = 0; s < 2; ++s) {
      if ((s + 1) * ps > size) continue;
      const unsigned char* page = data + s * ps;
      if (!verify_page(page, ps, s)) continue;
      byte_reader r(page + page_header_size, ps - page_header_size);
      std::string m, name;
      database_header h;
      std::uint32_t version;
      std::uint16_t name_len;
      if (!r.bytes(sizeof magic, m) || m != std::string_view(magic, sizeof magic) ||
          !r.number(version) || version != format_version || !r.number(h.page_size) ||
          h.page_size != ps || !r.number(h.seq) || !r.number(h.root) ||
          !r.number(h.page_count) || !r.number(h.lsn) || !r.number(h.last_full_backup_lsn) ||
          !r.number(h.last_backup_gen_high) || !r.number(h.free_list) || !r.number(name_len) ||
          !r.bytes(name_len, name) || h.root < 2 || h.root >= h.page_count ||
          h.page_count >= provisional_base) {
        continue;
      }
      h.name = std::move(name);
      std::uint8_t incremental = 0;
      if (r.number(h.last_backup_unix_ms) && r.number(incremental)) h.last_backup_incremental = incremental != 0;
      if (!found || h.seq > out.seq) {
        out = std::move(h);
        slot = s;
        found = true;
      }
    }
  }
  return found;
}

namespace {

// Reads page `page_no` whole and verified (re-read a few times: a torn read is retried).
error_code read_verified(int fd, unsigned char* page, std::size_t page_size, std::uint32_t page_no) {
  for (int attempt = 0; attempt < read_attempts; ++attempt) {
    if (auto ec = posix::read_exact_at(fd, page, page_size, std::uint64_t{page_no} * page_size)) {
      // A page the header counts is missing (-1018), or the disk failed.
      return ec == jet_errc::disk_io ? error_code(jet_errc::read_verify_failure) : ec;
    }
    if (verify_page(page, page_size, page_no)) return {};
  }
  return jet_errc::read_verify_failure;
}

// The headers, and the free pages from the saved list.
error_code read_start(int fd, database_header& h, std::set<std::uint32_t>& free_pages,
                      std::vector<std::uint32_t>& list_pages) {
  std::vector<unsigned char> start(2 * max_page_size);
  std::size_t got = 0;
  if (auto ec = posix::read_at(fd, start.data(), start.size(), 0, got)) return ec;
  std::uint32_t slot = 0;
  if (!decode_headers(start.data(), got, h, slot)) return jet_errc::read_verify_failure;
  std::vector<unsigned char> page(h.page_size);
  std::size_t guard = 0;
  for (std::uint32_t p = h.free_list; p != 0;) {
    if (p < 2 || p >= h.page_count || ++guard > h.page_count) return jet_errc::database_corrupted;
    if (auto ec = read_verified(fd, page.data(), page.size(), p)) return ec;
    list_pages.push_back(p);
    if (!decode_free_list_page(page.data(), page.size(), h.page_count, free_pages, p)) {
      return jet_errc::database_corrupted;
    }
  }
  return {};
}

}  // namespace

database_file::database_file(io::file f, strand s, page_cache& cache, std::uint32_t space,
                             std::filesystem::path path, database_header h,
                             std::set<std::uint32_t> free_pages, std::uint32_t file_pages)
    : file_(std::move(f)),
      strand_(std::move(s)),
      cache_(cache),
      space_(space),
      path_(std::move(path)),
      header_(std::move(h)),
      durable_header_(header_),
      tree_(*this, header_.root),
      applied_lsn_(header_.lsn),
      free_(std::move(free_pages)),
      file_pages_(std::max(file_pages, header_.page_count)) {}

database_file::~database_file() { cache_.erase_space(space_); }

std::unique_ptr<database_file> database_file::create(const io::file_service& files, strand s,
                                                     page_cache& cache, std::uint32_t space,
                                                     const std::filesystem::path& path,
                                                     const std::string& name,
                                                     std::size_t page_size, std::uint64_t lsn,
                                                     error_code& ec) {
  if (!valid_page_size(page_size)) {
    ec = jet_errc::invalid_parameter;
    return nullptr;
  }
  posix::unique_fd fd;
  if ((ec = posix::open(path, O_RDWR | O_CREAT | O_EXCL, fd))) {
    if (ec == boost::system::errc::file_exists) ec = jet_errc::invalid_parameter;
    return nullptr;
  }
  // An empty tree: one empty root leaf at page 2, written before the headers that name it.
  database_header h;
  h.page_size = static_cast<std::uint32_t>(page_size);
  h.name = name;
  h.seq = 1;
  h.root = 2;
  h.page_count = 3;
  h.lsn = lsn;
  std::vector<unsigned char> root(page_size, 0);
  write_leaf(root.data(), page_size, {});
  seal_page(root.data(), page_size, {2, lsn, page_type::leaf, 0});
  auto slot0 = encode_header(h, 0);
  auto h_old = h;
  h_old.seq = 0;
  auto slot1 = encode_header(h_old, 1);
  ec = posix::write_all_at(fd.get(), root.data(), page_size, 2 * page_size);
  if (!ec) ec = posix::write_all_at(fd.get(), slot0.data(), page_size, 0);
  if (!ec) ec = posix::write_all_at(fd.get(), slot1.data(), page_size, page_size);
  if (!ec) ec = posix::sync(fd.get());
  if (!ec) ec = fd.close();
  if (!ec) ec = posix::sync_directory(path.parent_path());
  if (ec) {
    fd.reset();
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return nullptr;
  }
  return open(files, std::move(s), cache, space, path, ec);
}

std::unique_ptr<database_file> database_file::open(const io::file_service& files, strand s,
                                                   page_cache& cache, std::uint32_t space,
                                                   const std::filesystem::path& path,
                                                   error_code& ec) {
  auto f = files.open(path, io::open_mode::read_write, ec);
  if (ec) {
    if (ec == boost::system::errc::no_such_file_or_directory) ec = jet_errc::database_not_found;
    return nullptr;
  }
  database_header h;
  std::set<std::uint32_t> free_pages;
  std::vector<std::uint32_t> list_pages;
  if ((ec = read_start(f.native_handle(), h, free_pages, list_pages))) return nullptr;
  // A crash between a checkpoint and its truncation leaves pages past the count: the next
  // checkpoint cuts them off.
  const auto bytes = f.size(ec);
  if (ec) return nullptr;
  const auto file_pages = static_cast<std::uint32_t>(bytes / h.page_size);
  std::unique_ptr<database_file> db(new database_file(std::move(f), std::move(s), cache, space,
                                                      path, std::move(h), std::move(free_pages),
                                                      file_pages));
  db->free_list_pages_ = std::move(list_pages);
  return db;
}

std::uint32_t database_file::allocate_page() {
  if (!free_.empty()) return free_.extract(free_.begin()).value();
  auto p = header_.page_count++;
  file_pages_ = std::max(file_pages_, header_.page_count);
  return p;
}

std::uint32_t database_file::allocate_run(std::uint32_t pages) {
  // The lowest run of free pages long enough, else the end of the file.
  std::uint32_t start = 0, length = 0;
  for (auto p : free_) {
    if (length > 0 && p == start + length) {
      ++length;
    } else {
      start = p;
      length = 1;
    }
    if (length == pages) {
      for (std::uint32_t q = start; q < start + pages; ++q) free_.erase(q);
      return start;
    }
  }
  const auto first = header_.page_count;
  header_.page_count += pages;
  file_pages_ = std::max(file_pages_, header_.page_count);
  return first;
}

void database_file::trim_free_tail() {
  while (!free_.empty() && *free_.rbegin() == header_.page_count - 1) {
    free_.erase(std::prev(free_.end()));
    --header_.page_count;
  }
}

void database_file::note_trimmable_tail() {
  // The next checkpoint (a header write, if nothing else changed) shrinks the file.
  if (!free_.empty() && *free_.rbegin() == header_.page_count - 1) header_changed_ = true;
}

void database_file::truncate_to_page_count() {
  // Only pages at or past the durable count go: none of them is in the durable snapshot, in
  // a pinned one (those counts are at most this one) or in the older header's tree (it is
  // replaced before it could be needed: the newer header is synced).
  // Nor pages spilled since this checkpoint's snapshot: they count in the tree's page count.
  const auto keep = std::max(durable_header_.page_count, header_.page_count);
  if (file_pages_ <= keep) return;
  error_code ec;
  file_.resize(std::uint64_t{keep} * durable_header_.page_size, ec);
  if (!ec) file_pages_ = keep;  // else: retried after the next checkpoint
}

pinned_snapshot database_file::pin() {
  // Nothing below the pinned page count is written while pinned, free pages included: a
  // backup copies the whole range and verifies every page, used or not.
  ++pins_;
  pinned_pages_ = std::max(pinned_pages_, durable_header_.page_count);
  held_.insert(held_.end(), free_.begin(), free_.end());
  free_.clear();
  pinned_snapshot s;
  s.header_page = encode_header(durable_header_, 0);
  s.header_page_1 = encode_header(durable_header_, 1);
  s.page_count = durable_header_.page_count;
  s.page_size = durable_header_.page_size;
  s.lsn = durable_header_.lsn;
  return s;
}

void database_file::unpin() {
  if (pins_ > 0 && --pins_ == 0) {
    free_.insert(held_.begin(), held_.end());
    if (!held_.empty()) ++reuse_epoch_;
    held_.clear();
    pinned_pages_ = 0;
    note_trimmable_tail();
  }
}

void database_file::record_backup(std::uint64_t full_backup_lsn, std::uint32_t gen_high,
                                  std::uint64_t unix_ms, bool incremental) {
  if (full_backup_lsn) header_.last_full_backup_lsn = full_backup_lsn;
  header_.last_backup_gen_high = gen_high;
  header_.last_backup_unix_ms = unix_ms;
  header_.last_backup_incremental = incremental;
  header_changed_ = true;
}

}  // namespace jetstrand::storage
