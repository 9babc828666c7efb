#pragma once
// One database: a paged file holding a B+tree, made durable by copy-on-write checkpoints.
//
// Pages 0 and 1 are two copies of the header; a checkpoint writes the dirty tree nodes to
// free pages (never to a page the durable header references), syncs, then writes the header
// into the older slot and syncs again. At open the valid header with the higher sequence
// wins, so the file always holds a consistent snapshot as of that header's `lsn`: every log
// record up to it is in the tree, none after it.
//
// Pages freed by a checkpoint are reused only once its header is durable, and no page below
// a pinned snapshot's page count is written while it is pinned (the file grows instead):
// what a backup copies can never be torn. Pages above every pinned snapshot are reused as
// usual, so a pin costs at most the pages written while it lasts, once.
//
// Allocation takes the lowest free page, and a checkpoint drops free pages at the end of the
// file from the page count and truncates the file once that header is durable: the file
// shrinks back after a backup or a burst of writes.
//
// Not thread-safe: used on its instance's strand only.

#include "jetstrand/io/file_service.hpp"
#include "storage/btree.hpp"

#include <boost/asio/strand.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace jetstrand::storage {

struct database_header {
  std::uint32_t page_size = default_page_size;
  std::uint64_t seq = 0;         // which header copy is newer
  std::uint32_t root = 0;        // root page of the tree
  std::uint32_t page_count = 2;  // pages in use or free, headers included
  std::uint64_t lsn = 0;         // log records up to here are in the snapshot
  std::uint64_t last_full_backup_lsn = 0;  // 0: never fully backed up
  std::uint32_t last_backup_gen_high = 0;  // end of the last backup's log range
  std::string name;
};

// A snapshot kept unchanged on disk while pinned: pages [2, page_count) as of the pin, and
// the header bytes to use in place of pages 0 and 1 (sealed as page 0 and as page 1).
struct pinned_snapshot {
  std::vector<unsigned char> header_page;  // slot 0
  std::vector<unsigned char> header_page_1;
  std::uint32_t page_count = 0;
  std::uint32_t page_size = 0;
  std::uint64_t lsn = 0;
};

class database_file {
 public:
  using strand = boost::asio::strand<boost::asio::any_io_executor>;
  using done_handler = std::function<void(boost::system::error_code)>;

  // A new, empty database (fails if the file exists), current as of log position `lsn`
  // (no earlier record can concern it). Durable when it returns.
  static std::unique_ptr<database_file> create(const io::file_service& files, strand s,
                                               const std::filesystem::path& path,
                                               const std::string& name, std::size_t page_size,
                                               std::uint64_t lsn, boost::system::error_code& ec);
  // Opens and loads the tree, verifying every page it reads (re-read up to 3 times, then
  // -1018); -1206 for a structurally broken page; -1203 if the file does not exist.
  static std::unique_ptr<database_file> open(const io::file_service& files, strand s,
                                             const std::filesystem::path& path,
                                             boost::system::error_code& ec);

  const std::string& name() const noexcept { return header_.name; }
  const std::filesystem::path& path() const noexcept { return path_; }
  std::size_t page_size() const noexcept { return header_.page_size; }
  const database_header& header() const noexcept { return header_; }
  io::file& file() noexcept { return file_; }

  btree& tree() noexcept { return tree_; }
  const btree& tree() const noexcept { return tree_; }

  // The newest log record applied to the tree in memory, and the one durable on disk.
  std::uint64_t applied_lsn() const noexcept { return applied_lsn_; }
  void set_applied_lsn(std::uint64_t lsn) noexcept { applied_lsn_ = lsn; }
  std::uint64_t durable_lsn() const noexcept { return header_.lsn; }
  bool needs_checkpoint() const noexcept {
    return tree_.dirty() || applied_lsn_ != header_.lsn || header_changed_;
  }

  // Writes the tree and header (see above); done(error) on the strand. One at a time: a
  // call while one runs waits for it and then runs again. After a failed checkpoint every
  // later one fails with the same error (see finish_checkpoint).
  void checkpoint(done_handler done);
  bool checkpoint_running() const noexcept { return checkpointing_; }

  // Pins the last durable snapshot. Call it when no checkpoint is running (a running one is
  // writing pages that were free): the backup checkpoints first and pins in the completion.
  pinned_snapshot pin();
  void unpin();
  int pin_count() const noexcept { return pins_; }  // snapshots pinned now

  // Backup bookkeeping, durable with the next checkpoint.
  void record_backup(std::uint64_t full_backup_lsn, std::uint32_t gen_high);

  // Reads and verifies every page of the tree (what `open` does), without keeping it.
  static boost::system::error_code verify(const std::filesystem::path& path);

 private:
  database_file(io::file f, strand s, std::filesystem::path path, database_header h,
                btree tree, std::set<std::uint32_t> free_pages, std::uint32_t file_pages);
  std::uint32_t allocate_page();
  void trim_free_tail();
  void note_trimmable_tail();
  void truncate_to_page_count();
  struct page_run {
    std::uint32_t first;
    std::vector<unsigned char> bytes;
  };
  struct write_runs;
  void write_header_then(std::uint64_t seq, done_handler done);
  void finish_checkpoint(boost::system::error_code ec);

  io::file file_;
  strand strand_;
  std::filesystem::path path_;
  database_header header_;          // in memory: runs ahead during a checkpoint
  database_header durable_header_;  // what the file's newest header copy says
  btree tree_;
  std::uint64_t applied_lsn_;
  bool header_changed_ = false;

  std::set<std::uint32_t> free_;        // reusable now (lowest first)
  std::vector<std::uint32_t> held_;     // in a pinned snapshot's range: free after the last unpin
  std::vector<std::uint32_t> freeing_;  // freed by the running checkpoint
  int pins_ = 0;
  std::uint32_t pinned_pages_ = 0;  // the largest pinned snapshot's page count
  std::uint32_t file_pages_ = 0;    // the file's length in pages (may exceed the page count)

  bool checkpointing_ = false;
  boost::system::error_code failed_;  // a checkpoint failed: no further header writes
  std::vector<done_handler> waiting_;    // callers of the running checkpoint
  std::vector<done_handler> next_round_;  // callers that arrived while it ran
};

// The header page's bytes for `h`, sealed as page `slot` (0 or 1).
std::vector<unsigned char> encode_header(const database_header& h, std::uint32_t slot);
// Picks the valid header with the higher sequence from the start of a database file.
bool decode_headers(const unsigned char* data, std::size_t size, database_header& out,
                    std::uint32_t& slot);

}  // namespace jetstrand::storage
