#pragma once
// Everything an instance stores: its databases, its log and its checkpoint, with recovery
// at open and checkpoints in the background. Lives on the instance's strand; every method
// is called there, and every callback runs there.
//
// Layout of the instance directory:
//   databases/<name>.jdb   one file per database
//   logs/gen-<8 hex>.log   the log generations
//   checkpoint             oldest generation needed, attached databases

#include "jetstrand/log.hpp"
#include "jetstrand/storage_options.hpp"
#include "jetstrand/transaction.hpp"
#include "storage/database_file.hpp"
#include "storage/write_ahead_log.hpp"

#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <optional>

namespace jetstrand::storage {

class instance_storage {
 public:
  using strand = boost::asio::strand<boost::asio::any_io_executor>;
  using done_handler = std::function<void(boost::system::error_code)>;

  instance_storage(const io::file_service& files, strand s, std::filesystem::path dir,
                   storage_options options, logger& log);
  ~instance_storage();

  // Opens the databases and replays the log. Errors: -1018/-1206 for a damaged database,
  // -1022 for a damaged checkpoint or a gap in the log, the system's for I/O.
  boost::system::error_code open();
  // Waits for commits in flight, checkpoints, stops the background timer.
  void close(done_handler done);

  boost::system::error_code create_database(const std::string& name);
  boost::system::error_code attach_database(const std::string& name);
  void detach_database(const std::string& name, done_handler done);
  std::vector<std::string> database_names() const;

  // Validates (-1203 unknown database, -1003 bad key or value), logs durably, then applies.
  void commit(transaction t, done_handler done);
  boost::system::error_code get(std::string_view db, std::string_view key, std::string& value) const;
  boost::system::error_code scan(std::string_view db, std::string_view from, std::string_view to,
                                 std::size_t limit,
                                 std::vector<std::pair<std::string, std::string>>& out) const;

  void checkpoint(done_handler done);
  storage_stats stats() const;

  database_file* find(std::string_view name) const;
  write_ahead_log& log() noexcept { return *wal_; }
  const std::filesystem::path& log_directory() const noexcept { return log_dir_; }
  std::uint32_t checkpoint_generation() const noexcept { return checkpoint_gen_; }

 private:
  boost::system::error_code validate(const transaction& t) const;
  boost::system::error_code write_checkpoint_file();
  void schedule_checkpoint();
  void finish_checkpoint(boost::system::error_code ec, std::uint64_t lsn);

  const io::file_service& files_;
  strand strand_;
  std::filesystem::path dir_, db_dir_, log_dir_;
  storage_options options_;
  logger& log_;
  std::map<std::string, std::unique_ptr<database_file>, std::less<>> databases_;
  std::unique_ptr<write_ahead_log> wal_;
  boost::asio::steady_timer timer_;
  std::uint64_t last_applied_lsn_ = 0;
  std::uint32_t checkpoint_gen_ = 1;
  bool checkpointing_ = false;
  bool closing_ = false;
  // The checkpoint timer may have fired (its handler queued, success) when close cancels it
  // and the storage is destroyed: the handler checks this before touching anything.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
  std::vector<done_handler> checkpoint_waiters_;
  std::vector<done_handler> next_checkpoint_;
  storage_stats stats_;
};

}  // namespace jetstrand::storage
