#pragma once
// Everything an instance stores: its databases, its log and its checkpoint, with recovery
// at open and checkpoints in the background. Lives on the instance's strand; every method
// is called there, and every callback runs there.
//
// Layout of the instance directory:
//   databases/<name>.jdb   one file per database
//   logs/gen-<8 hex>.log   the log generations
//   checkpoint             oldest generation needed, attached databases
//
// Memory: the databases' pages share one page cache whose budget is the instance's share of
// the engine's (page_cache.hpp). Commits wait for room when the budget is all dirty pages
// (a checkpoint is started and makes them evictable), so writing more than the budget never
// takes more memory. Long values committed since the last checkpoint are kept as they came
// until it writes them (a checkpoint starts early once they pass 64 MiB).
//
// Reads and commits never block on the disk: a page that is not in the cache is read
// asynchronously and the operation resumes when it lands (from that page if the tree has
// not changed meanwhile, else from the root). Only open() (recovery, before the instance
// serves) reads synchronously.

#include "jetstrand/log.hpp"
#include "jetstrand/storage_options.hpp"
#include "jetstrand/transaction.hpp"
#include "storage/database_file.hpp"
#include "storage/page_cache.hpp"
#include "storage/write_ahead_log.hpp"

#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <map>
#include <memory>
#include <optional>

namespace jetstrand::storage {

class instance_storage {
 public:
  using strand = boost::asio::strand<boost::asio::any_io_executor>;
  using done_handler = std::function<void(boost::system::error_code)>;
  using value_handler = std::function<void(boost::system::error_code, std::string)>;
  using entries = jetstrand::entries;
  using entries_handler = std::function<void(boost::system::error_code, entries)>;

  // `cache_budget` gives the instance's share of the engine's cache (asked before each
  // operation, so the share follows the number of instances).
  instance_storage(const io::file_service& files, strand s, std::filesystem::path dir,
                   storage_options options, logger& log,
                   std::function<std::size_t()> cache_budget);
  ~instance_storage();

  // Opens the databases and replays the log. Errors: -1018/-1206 for a damaged database,
  // -1022 for a damaged checkpoint or a gap in the log, the system's for I/O.
  boost::system::error_code open();
  // Waits for commits and reads in flight, checkpoints, stops the background timer.
  void close(done_handler done);

  boost::system::error_code create_database(const std::string& name);
  boost::system::error_code attach_database(const std::string& name);
  void detach_database(const std::string& name, done_handler done);
  std::vector<std::string> database_names() const;

  // Validates (-1203 unknown database, -1003 bad key, -1003 a value over max_value_size),
  // logs (durably, or lazily: see write_ahead_log.hpp), then applies.
  void commit(transaction t, bool durable, done_handler done);
  // What a get answers without waiting, if it can: an error (-1203, -1003, -1601) or an
  // inline value whose pages are resident or in the OS page cache (read in this turn, as
  // get() reads them). nullopt: call get(), which waits for the disk or reads a long value;
  // wait_for then names the page the lookup stopped at, if it did (pass it on to get(), in
  // the same strand turn, so that get() does not look it up and try the OS cache again).
  // Most gets end here, so their callers need not make a completion object.
  std::optional<boost::system::error_code> get_now(std::string_view db, std::string_view key, std::string& value,
                                                   std::optional<std::uint32_t>& wait_for);
  // answer_off_strand: `done` may be called from any thread (the instance's completions
  // may: they dispatch to their handler's executor). Then a get whose leaf a waiting
  // caller's thread reads is answered there, off the strand (database_file::fetch), and that
  // thread need not take a second turn; done is called on the strand otherwise.
  void get(std::string_view db, std::string_view key, value_handler done,
           std::optional<std::uint32_t> wait_for = std::nullopt, bool answer_off_strand = false);
  // Entries with from <= key < to (to empty: no bound), at most `limit`; values empty when
  // keys_only.
  void scan(std::string_view db, std::string from, std::string to, std::size_t limit,
            bool keys_only, entries_handler done);

  void checkpoint(done_handler done);
  storage_stats stats() const;
  const page_cache& cache() const noexcept { return cache_; }

  database_file* find(std::string_view name) const;
  write_ahead_log& log() noexcept { return *wal_; }
  const std::filesystem::path& log_directory() const noexcept { return log_dir_; }
  std::uint32_t checkpoint_generation() const noexcept { return checkpoint_gen_; }

 private:
  struct get_op;
  static btree::outcome find_reading_cached(database_file& d, std::string_view key, btree::value& v,
                                            std::uint32_t& missing);
  static btree::outcome go_on_reading_cached(database_file& d, std::string_view key, btree::value& v,
                                             std::uint32_t& missing, btree::outcome found);
  struct scan_op;
  struct applying {
    std::shared_ptr<const transaction> t;
    std::uint64_t lsn;
    done_handler done;
    std::vector<std::pair<database_file*, std::uint32_t>> pinned;
    bool over_budget = false;  // a checkpoint did not make room: apply anyway
  };
  boost::system::error_code validate(const transaction& t) const;
  boost::system::error_code write_checkpoint_file();
  std::unique_ptr<database_file> open_database(const std::string& name, bool create,
                                               boost::system::error_code& ec);
  void schedule_checkpoint();
  void start_checkpoint();
  void finish_checkpoint(boost::system::error_code ec, std::uint64_t lsn);
  void apply_queued();
  bool prepare(applying& a);  // false: waiting for a read or for room
  void apply(applying& a);
  void unpin(applying& a);
  void maybe_checkpoint_early();
  bool start_spill();  // true: a spill runs (started now or before)
  void spill_done();
  void operation_done();
  void refresh_budget() { cache_.set_budget(cache_budget_()); }

  const io::file_service& files_;
  strand strand_;
  std::filesystem::path dir_, db_dir_, log_dir_;
  storage_options options_;
  logger& log_;
  std::function<std::size_t()> cache_budget_;
  page_cache cache_;
  std::uint32_t next_space_ = 1;
  std::map<std::string, std::unique_ptr<database_file>, std::less<>> databases_;
  std::unique_ptr<write_ahead_log> wal_;
  boost::asio::steady_timer timer_;
  std::uint64_t last_applied_lsn_ = 0;
  std::uint32_t checkpoint_gen_ = 1;
  bool checkpointing_ = false;
  bool syncing_for_checkpoint_ = false;  // commits wait: the checkpoint's LSN must be durable
  bool closing_ = false;
  // The checkpoint timer may have fired (its handler queued, success) when close cancels it
  // and the storage is destroyed: the handler checks this before touching anything.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
  // Spills in flight (at most one per database). A checkpoint's completion may pin
  // snapshots (a backup's begin), when no spill may be writing free pages: it waits for
  // them (held_finish_) and none starts meanwhile.
  std::size_t spills_ = 0;
  bool spills_held_ = false;
  std::function<void()> held_finish_;
  std::vector<std::function<void()>> after_spill_;  // the queue's head, waiting for room
  std::vector<done_handler> checkpoint_waiters_;
  std::vector<done_handler> next_checkpoint_;
  std::deque<applying> apply_queue_;  // logged, in LSN order, not yet applied
  bool apply_waiting_ = false;        // the queue's head waits for a read, a spill or a checkpoint
  std::size_t operations_ = 0;        // commits, reads and scans in flight
  std::vector<std::function<void()>> idle_waiters_;
  storage_stats stats_;
};

}  // namespace jetstrand::storage
