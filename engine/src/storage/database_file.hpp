#pragma once
// One database: a paged file holding a B+tree, made durable by copy-on-write checkpoints.
//
// Pages 0 and 1 are two copies of the header; a checkpoint writes the dirty tree pages and
// long values to free pages (never to a page the durable header references), syncs, then
// writes the header into the older slot and syncs again. At open the valid header with the
// higher sequence wins, so the file always holds a consistent snapshot as of that header's
// `lsn`: every log record up to it is in the tree, none after it.
//
// Pages live in the instance's page cache (page_cache.hpp) and are read on demand: open()
// reads the headers and the free list only. A change makes dirty pages under provisional
// numbers (at or above `provisional_base`) and keeps a new long value's bytes as they came;
// the checkpoint gives them real pages (or a spill, before it: see spill()). Allocating only
// there, in one strand turn each, is what keeps pinned snapshots intact:
//
// Pages freed by a checkpoint are reused only once its header is durable, and no page below
// a pinned snapshot's page count is written while it is pinned (the file grows instead):
// what a backup copies can never be torn. Pages above every pinned snapshot are reused as
// usual, so a pin costs at most the pages written while it lasts, once.
//
// Allocation takes the lowest free page, and a checkpoint drops free pages at the end of the
// file from the page count and truncates the file once that header is durable: the file
// shrinks back after a backup or a burst of writes (or deletes: see btree.hpp).
//
// Not thread-safe: used on its instance's strand only.

#include "io/file_service.hpp"
#include "jetstrand/transaction.hpp"
#include "storage/btree.hpp"
#include "storage/page_cache.hpp"

#include <boost/asio/strand.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace jetstrand::storage {

inline constexpr std::uint32_t provisional_base = 0x80000000u;

struct database_header {
  std::uint32_t page_size = default_page_size;
  std::uint64_t seq = 0;         // which header copy is newer
  std::uint32_t root = 0;        // root page of the tree
  std::uint32_t page_count = 2;  // pages in use or free, headers included
  std::uint64_t lsn = 0;         // log records up to here are in the snapshot
  std::uint64_t last_full_backup_lsn = 0;  // 0: never fully backed up
  std::uint32_t last_backup_gen_high = 0;  // end of the last backup's log range
  std::uint32_t free_list = 0;   // first page of the free-page list (0: none free)
  std::string name;
  // The last backup that ended completed: when (Unix ms, 0: none) and whether incremental.
  // After the name, so headers written before these fields read as "none" (zero padding).
  std::uint64_t last_backup_unix_ms = 0;
  bool last_backup_incremental = false;
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

class database_file final : private tree_pages {
 public:
  using strand = boost::asio::strand<boost::asio::any_io_executor>;
  using done_handler = std::function<void(boost::system::error_code)>;
  using value_handler = std::function<void(boost::system::error_code, std::string)>;

  // A new, empty database (fails if the file exists), current as of log position `lsn`
  // (no earlier record can concern it). Durable when it returns.
  static std::unique_ptr<database_file> create(const io::file_service& files, strand s,
                                               page_cache& cache, std::uint32_t space,
                                               const std::filesystem::path& path,
                                               const std::string& name, std::size_t page_size,
                                               std::uint64_t lsn, boost::system::error_code& ec);
  // Opens it: reads the headers and the free list (verified: -1018 if damaged); -1203 if
  // the file does not exist. Tree pages are read when first needed.
  static std::unique_ptr<database_file> open(const io::file_service& files, strand s,
                                             page_cache& cache, std::uint32_t space,
                                             const std::filesystem::path& path,
                                             boost::system::error_code& ec);
  ~database_file() override;

  const std::string& name() const noexcept { return header_.name; }
  const std::filesystem::path& path() const noexcept { return path_; }
  std::size_t page_size() const noexcept override { return header_.page_size; }
  const database_header& header() const noexcept { return header_; }
  io::file& file() noexcept { return file_; }
  btree& tree() noexcept { return tree_; }
  // Counts the changes applied to the tree (apply(), put or erase). While it stays the
  // same, a page that a lookup reported missing is still on that key's path: only changes
  // release pages, and a checkpoint or a spill gives new numbers to dirty pages only, never
  // to one that had to be read. So a lookup that waited for the page may go on from it
  // (btree::find_from) in a later strand turn instead of descending from the root again.
  // Safe to read from any thread (an answer off the strand checks it: fetch()).
  std::uint64_t tree_changes() const noexcept { return tree_changes_.load(std::memory_order_acquire); }

  // --- Reading pages into the cache ---
  // Reads `page_no` into the cache, verified (re-read up to 3 times, then -1018; -1206 for a
  // page that verifies but is not a node), then done(error) on the strand. Waits for room
  // when the budget is all dirty or pinned (on_cache_full asks for a spill or a checkpoint,
  // then the owner calls retry_waiting_reads). Calls for
  // a page already being read share that read.
  //
  // `answer`, if given, may answer the operation from the page before it lands, when the
  // read is the errand of the thread waiting for this turn's call (detail/caller_errands.hpp):
  // it is called on that thread, off the strand, with the page read and checked, and returns
  // true if it answered. The page then lands in the cache in a later turn (land_answered),
  // so the thread returns at once instead of waiting for a turn of its own; `done` is still
  // called when the page lands. It lands at once all the same when another operation waits
  // for it too or landings are not left any more (land_every_read).
  using page_answer = std::function<bool(const unsigned char* page)>;
  void fetch(std::uint32_t page_no, done_handler done, page_answer answer = {});
  // Lands the pages left by reads whose operations were answered off the strand. Called at
  // the start of an operation on this database, so that it finds them in the cache.
  void land_answered() {
    if (answered_.pending.load(std::memory_order_acquire)) land_answered_now();
  }
  // From now on (or until called with false), no page is left for later: for close and
  // detach, which wait for every operation, and so for every landing. Lands those left.
  void land_every_read(bool every = true);
  // Makes `page_no` resident without waiting, if it can: true when it is in the cache
  // afterwards, either already or read now from the OS page cache (never from the disk: see
  // io::posix::read_cached_at) and verified. False otherwise; fetch() then reads it and
  // reports any error. A miss the OS has cached so costs one syscall on the strand, not a
  // round trip through the file layer.
  bool fetch_cached(std::uint32_t page_no);
  // How many fetch_cached() an operation makes before it waits on fetch() instead. Its
  // reads may evict each other when the rest of the budget is dirty or pinned; only a
  // fetch() lets the strand run the checkpoint that frees it, so the loop must end.
  static constexpr int cached_reads_per_turn = 16;
  // The same, blocking: for recovery at open, before the instance serves anything.
  boost::system::error_code fetch_now(std::uint32_t page_no);
  // Keeps a resident, clean page in the cache (a commit's path while it reads more). False
  // for a page not resident or dirty (dirty pages stay anyway).
  bool pin_page(std::uint32_t page_no) noexcept;
  void unpin_page(std::uint32_t page_no) noexcept;
  // Called when a read waits for room; then call retry_waiting_reads after a spill or a
  // checkpoint.
  void set_on_cache_full(std::function<void()> f) { on_cache_full_ = std::move(f); }
  void retry_waiting_reads();

  // --- Changes ---
  // Applies one operation of `t`; its pages must be resident (tree().first_missing(key,
  // is_erase) == 0 in this strand turn). A value whose entry (key + value) is over max_inline_entry goes to
  // overflow pages at the next checkpoint, kept (shared with `t`) until then.
  void apply(const std::shared_ptr<const transaction>& t, const transaction::op& op);
  // The same, reading what it needs first, blocking: recovery.
  boost::system::error_code apply_now(const std::shared_ptr<const transaction>& t,
                                      const transaction::op& op);

  // --- Values ---
  // The tree's value for a long value reference: stored as given until the next checkpoint
  // writes it (keep_long), then read from its pages (verified page by page and by the
  // value's CRC: -1018). done(error, value) on the strand. `stale` (operation_aborted) means
  // the pages were freed and reused while they were read: look the key up again.
  void read_long(const long_ref& ref, value_handler done);
  // A new long value for put(): kept in memory (shared with the caller) until the next
  // checkpoint gives it pages.
  btree::value keep_long(std::shared_ptr<const std::string> bytes);
  // Bytes of long values waiting for a checkpoint (they count as writes in flight).
  std::size_t unwritten_long_bytes() const noexcept { return unwritten_long_bytes_; }

  // The newest log record applied to the tree in memory, and the one durable on disk.
  std::uint64_t applied_lsn() const noexcept { return applied_lsn_; }
  void set_applied_lsn(std::uint64_t lsn) noexcept { applied_lsn_ = lsn; }
  std::uint64_t durable_lsn() const noexcept { return header_.lsn; }
  bool needs_checkpoint() const noexcept {
    return dirty_ > 0 || !released_.empty() || applied_lsn_ != header_.lsn || header_changed_;
  }
  std::size_t dirty_pages() const noexcept { return dirty_; }

  // Writes the tree and header (see above); done(error) on the strand. One at a time: a
  // call while one runs waits for it and then runs again. After a failed checkpoint every
  // later one fails with the same error (see finish_checkpoint).
  void checkpoint(done_handler done);
  bool checkpoint_running() const noexcept { return checkpointing_; }
  // Reads in flight or waiting for room, or a spill: the owner waits for none before
  // destroying this.
  bool reads_pending() const noexcept {
    return !reading_.empty() || !waiting_for_room_.empty() || spill_in_flight_;
  }

  // Writes the dirty leaves (those holding no new long value) to free pages now, with no
  // sync and no header, so the cache can evict them instead of waiting for a checkpoint:
  // a fill larger than the cache then costs page writes, not a checkpoint's syncs every few
  // hundred commits. Their parents point at them from then on (they stay dirty, provisional
  // branches), and the next checkpoint's header takes them in, its sync making them
  // durable. Until then no header names them: a crash leaves them free pages, and one the
  // tree lets go of again is free at once. Pages come from the free pages as at a
  // checkpoint, so none below a pinned snapshot's count. Returns how many it writes, and
  // calls done(error) on the strand once they have landed (never when it returns 0). One
  // spill at a time (0 while one runs); a write that fails fails the database as a failed
  // checkpoint does, its pages kept in the cache.
  std::size_t spill(done_handler done);

  // Pins the last durable snapshot. Call it when no checkpoint and no spill is running
  // (they write pages that were free): the backup checkpoints first and pins in the
  // completion, which the instance runs once no spill is in flight.
  pinned_snapshot pin();
  void unpin();
  int pin_count() const noexcept { return pins_; }  // snapshots pinned now

  // Backup bookkeeping, durable with the next checkpoint.
  void record_backup(std::uint64_t full_backup_lsn, std::uint32_t gen_high, std::uint64_t unix_ms,
                     bool incremental);

  // Reads and verifies every page the durable snapshot uses (tree, long values, free list)
  // without keeping them: -1018 for a page or value that does not verify, -1206 for a
  // broken structure, -1203 if the file does not exist.
  static boost::system::error_code verify(const std::filesystem::path& path);

 private:
  database_file(io::file f, strand s, page_cache& cache, std::uint32_t space,
                std::filesystem::path path, database_header h,
                std::set<std::uint32_t> free_pages, std::uint32_t file_pages);

  // tree_pages
  unsigned char* resident(std::uint32_t page_no) noexcept override;
  unsigned char* writable(std::uint32_t& page_no) override;
  unsigned char* new_page(std::uint32_t& page_no) override;
  void release(std::uint32_t page_no) override;
  void release_long(const long_ref& ref) override;

  std::uint32_t allocate_page();
  std::uint32_t allocate_run(std::uint32_t pages);
  void trim_free_tail();
  void note_trimmable_tail();
  void truncate_to_page_count();
  std::uint32_t assign_pages(std::uint32_t page_no, std::uint64_t lsn);
  void write_free_list(std::uint64_t lsn);
  void add_write(std::uint32_t first, const unsigned char* bytes, std::size_t size);
  void land_read(std::uint32_t page_no, std::uint64_t epoch, std::unique_ptr<unsigned char[]> page,
                 int attempt, boost::system::error_code ec);
  struct page_read;
  void read_on_waiting_thread(std::uint32_t page_no, page_read& read, page_answer answer);
  void land_answered_now();
  void land_checked(std::uint32_t page_no, std::uint64_t epoch, std::unique_ptr<unsigned char[]> page);
  void finish_read(std::uint32_t page_no, boost::system::error_code ec);
  struct page_run {
    std::uint32_t first;
    std::vector<unsigned char> bytes;
  };
  static std::vector<page_run> merge_runs(std::vector<page_run> writes, std::size_t page_size);
  void spill_children(std::uint32_t branch_no, std::uint64_t lsn, std::vector<std::uint32_t>& pages,
                      std::vector<const unsigned char*>& bytes);
  void spill_landed(const std::vector<std::uint32_t>& pages, boost::system::error_code ec);
  struct write_runs;
  struct long_value_read;
  void write_header_then(std::uint64_t seq, done_handler done);
  void finish_checkpoint(boost::system::error_code ec);

  io::file file_;
  strand strand_;
  page_cache& cache_;
  std::uint32_t space_;
  std::filesystem::path path_;
  database_header header_;          // in memory: runs ahead during a checkpoint
  database_header durable_header_;  // what the file's newest header copy says
  database_header writing_header_;  // what the running checkpoint's header will say
  btree tree_;
  std::uint64_t applied_lsn_;
  bool header_changed_ = false;

  std::uint32_t next_provisional_ = provisional_base;
  std::size_t dirty_ = 0;                    // pages under provisional numbers
  std::vector<std::uint32_t> released_;     // real pages the tree let go since the last checkpoint
  std::vector<std::uint32_t> free_list_pages_;  // where the durable free list is
  // Long values not on disk yet, by their first page (provisional until the checkpoint
  // gives them pages, then real until its writes are durable).
  std::unordered_map<std::uint32_t, std::shared_ptr<const std::string>> unwritten_long_;
  std::size_t unwritten_long_bytes_ = 0;

  std::set<std::uint32_t> free_;        // reusable now (lowest first)
  std::vector<std::uint32_t> held_;     // in a pinned snapshot's range: free after the last unpin
  std::vector<std::uint32_t> freeing_;  // freed by the running checkpoint
  std::uint64_t reuse_epoch_ = 0;       // bumped whenever freed pages become reusable
  int pins_ = 0;
  std::uint32_t pinned_pages_ = 0;  // the largest pinned snapshot's page count
  std::uint32_t file_pages_ = 0;    // the file's length in pages (may exceed the page count)

  struct page_read {
    std::vector<done_handler> waiters;
    // An errand whose thread may answer off the strand (fetch's `answer`) reads this, under
    // answered_.mutex, before it leaves the landing for later: true once another operation
    // waits too. The entry outlives the errand: only the landing ends the read.
    bool joined = false;
    bool answering = false;  // such an errand reads it
  };
  std::map<std::uint32_t, page_read> reading_;  // reads in flight, by page
  struct waiting_read {
    std::uint32_t page_no;
    std::unique_ptr<unsigned char[]> bytes;
  };
  std::vector<waiting_read> waiting_for_room_;
  std::function<void()> on_cache_full_;

  std::unordered_set<std::uint32_t> spilled_;  // since the last checkpoint's snapshot
  std::unordered_set<std::uint32_t> spill_writing_;  // their writes in flight
  bool spill_in_flight_ = false;
  // Bytes of spilled pages the tree let go of while their writes were in flight.
  std::vector<std::unique_ptr<unsigned char[]>> parked_;
  std::vector<std::function<void()>> after_spills_;

  bool checkpointing_ = false;
  std::vector<page_run> pending_writes_;      // the running checkpoint's, being built
  std::vector<std::uint32_t> written_pages_;  // pinned in the cache until their write lands
  std::vector<std::uint32_t> written_long_;   // unwritten_long_ entries it writes
  boost::system::error_code failed_;  // a checkpoint failed: no further header writes
  std::vector<done_handler> waiting_;    // callers of the running checkpoint
  std::vector<done_handler> next_round_;  // callers that arrived while it ran
  // At the end, these two: a member added before the hot ones moved them and cost the
  // async gets and scans 2% (measured, docs/performance-history.md).
  // Written on the strand only, read off it too (tree_changes()).
  std::atomic<std::uint64_t> tree_changes_{0};
  // Landings of pages whose operations were answered off the strand (fetch's `answer`).
  // Filled by waiting callers' threads, emptied on the strand; the mutex orders both, and
  // what the answering thread wrote before (the operation's `answered` mark) with them.
  struct answered_reads {
    std::mutex mutex;
    std::vector<std::function<void()>> landings;
    bool land_every = false;           // land_every_read
    std::atomic<bool> pending{false};  // landings is not empty (read without the mutex)
  };
  answered_reads answered_;
};

// The header page's bytes for `h`, sealed as page `slot` (0 or 1).
std::vector<unsigned char> encode_header(const database_header& h, std::uint32_t slot);
// Picks the valid header with the higher sequence from the start of a database file.
bool decode_headers(const unsigned char* data, std::size_t size, database_header& out,
                    std::uint32_t& slot);

}  // namespace jetstrand::storage
