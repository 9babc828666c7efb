#include "storage/database_file.hpp"

#include "jetstrand/error.hpp"
#include "io/posix.hpp"
#include "storage/byte_io.hpp"

#include <boost/asio/bind_executor.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace jetstrand::storage {
namespace {

using boost::system::error_code;
namespace posix = io::posix;
constexpr char magic[8] = {'J', 'E', 'T', 'S', 'T', 'R', 'D', 'B'};
constexpr std::uint32_t format_version = 1;
constexpr int read_attempts = 3;

// What open() needs before the tree: the header, page size and the tree's pages.
struct loaded {
  database_header header;
  btree tree;
  std::set<std::uint32_t> free_pages;
};

std::optional<loaded> load(int fd, error_code& ec) {
  std::vector<unsigned char> start(2 * max_page_size);
  std::size_t got = 0;
  if ((ec = posix::read_at(fd, start.data(), start.size(), 0, got))) return std::nullopt;
  database_header h;
  std::uint32_t slot = 0;
  if (!decode_headers(start.data(), got, h, slot)) {
    ec = jet_errc::read_verify_failure;
    return std::nullopt;
  }
  std::vector<unsigned char> page(h.page_size);
  btree::page_reader reader = [&](std::uint32_t page_no, error_code& e) -> const unsigned char* {
    if (page_no < 2 || page_no >= h.page_count) {
      e = jet_errc::database_corrupted;
      return nullptr;
    }
    for (int attempt = 0; attempt < read_attempts; ++attempt) {
      if (auto rec = posix::read_exact_at(fd, page.data(), page.size(),
                                          static_cast<std::uint64_t>(page_no) * h.page_size)) {
        // A page the header counts is missing (-1018), or the disk failed.
        e = rec == jet_errc::disk_io ? error_code(jet_errc::read_verify_failure) : rec;
        return nullptr;
      }
      if (verify_page(page.data(), page.size(), page_no)) return page.data();
    }
    e = jet_errc::read_verify_failure;
    return nullptr;
  };
  std::vector<std::uint32_t> used;
  btree tree = btree::load(h.page_size, h.root, reader, used, ec);
  if (ec) return std::nullopt;
  std::vector<bool> in_use(h.page_count, false);
  for (auto p : used) in_use[p] = true;
  std::set<std::uint32_t> free_pages;
  for (std::uint32_t p = 2; p < h.page_count; ++p) {
    if (!in_use[p]) free_pages.insert(free_pages.end(), p);
  }
  return loaded{std::move(h), std::move(tree), std::move(free_pages)};
}

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
  w.number(static_cast<std::uint16_t>(h.name.size()));
  w.bytes(h.name);
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
          !r.number(h.last_backup_gen_high) || !r.number(name_len) || !r.bytes(name_len, name)) {
        continue;
      }
      h.name = std::move(name);
      if (!found || h.seq > out.seq) {
        out = std::move(h);
        slot = s;
        found = true;
      }
    }
  }
  return found;
}

database_file::database_file(io::file f, strand s, std::filesystem::path path,
                             database_header h, btree tree,
                             std::set<std::uint32_t> free_pages, std::uint32_t file_pages)
    : file_(std::move(f)),
      strand_(std::move(s)),
      path_(std::move(path)),
      header_(std::move(h)),
      durable_header_(header_),
      tree_(std::move(tree)),
      applied_lsn_(header_.lsn),
      free_(std::move(free_pages)),
      file_pages_(std::max(file_pages, header_.page_count)) {}

std::unique_ptr<database_file> database_file::create(const io::file_service& files, strand s,
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
  return open(files, std::move(s), path, ec);
}

std::unique_ptr<database_file> database_file::open(const io::file_service& files, strand s,
                                                   const std::filesystem::path& path,
                                                   error_code& ec) {
  auto f = files.open(path, io::open_mode::read_write, ec);
  if (ec) {
    if (ec == boost::system::errc::no_such_file_or_directory) ec = jet_errc::database_not_found;
    return nullptr;
  }
  auto l = load(f.native_handle(), ec);
  if (!l) return nullptr;
  // A crash between a checkpoint and its truncation leaves pages past the count: the next
  // checkpoint cuts them off.
  const auto bytes = f.size(ec);
  if (ec) return nullptr;
  const auto file_pages = static_cast<std::uint32_t>(bytes / l->header.page_size);
  return std::unique_ptr<database_file>(new database_file(
      std::move(f), std::move(s), path, std::move(l->header), std::move(l->tree),
      std::move(l->free_pages), file_pages));
}

error_code database_file::verify(const std::filesystem::path& path) {
  posix::unique_fd fd;
  if (auto ec = posix::open(path, O_RDONLY, fd)) {
    return ec == boost::system::errc::no_such_file_or_directory ? error_code(jet_errc::database_not_found) : ec;
  }
  error_code ec;
  load(fd.get(), ec);
  return ec;
}

std::uint32_t database_file::allocate_page() {
  if (!free_.empty()) return free_.extract(free_.begin()).value();
  auto p = header_.page_count++;
  file_pages_ = std::max(file_pages_, header_.page_count);
  return p;
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
  if (file_pages_ <= durable_header_.page_count) return;
  error_code ec;
  file_.resize(std::uint64_t{durable_header_.page_count} * durable_header_.page_size, ec);
  if (!ec) file_pages_ = durable_header_.page_count;  // else: retried after the next checkpoint
}

// Writes the runs one after the other (a copy of this object is each write's handler), then
// syncs and writes the header.
struct database_file::write_runs {
  database_file* self;
  std::shared_ptr<std::vector<page_run>> runs;
  std::size_t index;
  std::uint64_t seq;

  void operator()(error_code ec, std::size_t) {
    if (ec) return self->finish_checkpoint(ec);
    next();
  }
  void next() {
    if (index == runs->size()) {
      auto* db = self;
      auto header_seq = seq;
      db->file_.async_sync_data(
          boost::asio::bind_executor(db->strand_, [db, header_seq](error_code ec) {
            if (ec) return db->finish_checkpoint(ec);
            db->write_header_then(header_seq, [db](error_code e) { db->finish_checkpoint(e); });
          }));
      return;
    }
    auto& r = (*runs)[index++];
    self->file_.async_write_at(static_cast<std::uint64_t>(r.first) * self->header_.page_size,
                               boost::asio::buffer(r.bytes),
                               boost::asio::bind_executor(self->strand_, *this));
  }
};

void database_file::checkpoint(done_handler done) {
  if (failed_) {
    done(failed_);
    return;
  }
  if (checkpointing_) {
    next_round_.push_back(std::move(done));
    return;
  }
  if (!needs_checkpoint()) {
    done({});
    return;
  }
  checkpointing_ = true;
  waiting_.push_back(std::move(done));

  // Serialize now (the tree may change while the writes run), coalescing adjacent pages.
  auto runs = std::make_shared<std::vector<page_run>>();
  const std::uint64_t lsn = applied_lsn_;
  const std::size_t ps = header_.page_size;
  std::vector<std::pair<std::uint32_t, std::vector<unsigned char>>> pages;
  header_.root = tree_.flush(
      lsn, [this] { return allocate_page(); },
      [this](std::uint32_t p) { freeing_.push_back(p); },
      [&](std::uint32_t p, const unsigned char* bytes) {
        pages.emplace_back(p, std::vector<unsigned char>(bytes, bytes + ps));
      });
  trim_free_tail();
  std::sort(pages.begin(), pages.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (auto& [p, bytes] : pages) {
    if (!runs->empty() && runs->back().first + runs->back().bytes.size() / ps == p) {
      runs->back().bytes.insert(runs->back().bytes.end(), bytes.begin(), bytes.end());
    } else {
      runs->push_back({p, std::move(bytes)});
    }
  }
  header_.lsn = lsn;
  header_changed_ = false;
  const std::uint64_t seq = header_.seq + 1;

  write_runs{this, std::move(runs), 0, seq}.next();
}

void database_file::write_header_then(std::uint64_t seq, done_handler done) {
  header_.seq = seq;
  const std::uint32_t slot = static_cast<std::uint32_t>(seq % 2);
  auto page = std::make_shared<std::vector<unsigned char>>(encode_header(header_, slot));
  file_.async_write_at(
      static_cast<std::uint64_t>(slot) * header_.page_size, boost::asio::buffer(*page),
      boost::asio::bind_executor(strand_, [this, page, done = std::move(done)](error_code ec,
                                                                              std::size_t) {
        if (ec) return done(ec);
        file_.async_sync_data(boost::asio::bind_executor(strand_, done));
      }));
}

void database_file::finish_checkpoint(error_code ec) {
  if (!ec) {
    durable_header_ = header_;
    // The new header is durable: what this checkpoint freed is free, unless a pinned
    // snapshot covers it.
    for (auto p : freeing_) {
      if (pins_ > 0 && p < pinned_pages_) {
        held_.push_back(p);
      } else {
        free_.insert(p);
      }
    }
    truncate_to_page_count();
    note_trimmable_tail();
  } else {
    // The in-memory nodes now name pages whose writes may not have happened, so no later
    // header may be written from them: the database stays failed until it is reopened,
    // when recovery rebuilds it from the durable header and the log.
    failed_ = ec;
  }
  freeing_.clear();
  checkpointing_ = false;
  auto done = std::move(waiting_);
  waiting_.clear();
  auto again = std::move(next_round_);
  next_round_.clear();
  for (auto& d : done) d(ec);
  if (!again.empty()) {
    auto shared = std::make_shared<std::vector<done_handler>>(std::move(again));
    checkpoint([shared](error_code e) {
      for (auto& d : *shared) d(e);
    });
  }
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
    held_.clear();
    pinned_pages_ = 0;
    note_trimmable_tail();
  }
}

void database_file::record_backup(std::uint64_t full_backup_lsn, std::uint32_t gen_high) {
  if (full_backup_lsn) header_.last_full_backup_lsn = full_backup_lsn;
  header_.last_backup_gen_high = gen_high;
  header_changed_ = true;
}

}  // namespace jetstrand::storage
