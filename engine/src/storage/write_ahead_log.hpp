#pragma once
// The write-ahead log: generation files of a fixed size in one directory, named
// gen-<8 hex digits>.log. Each starts with a 4 KiB header (magic, generation,
// size, crc); records follow at 8-byte aligned offsets:
//
//   u32 crc32c of the rest | u32 payload length | u64 lsn | payload
//
// lsn = generation << 32 | offset, so LSNs grow across generations. A reader stops at the
// first record that does not verify (a torn tail after a crash). Writing always starts a
// new generation after the last existing one, so nothing is ever appended after a tail
// that might be torn.
//
// Group commit: appends that arrive while a batch is being written wait, then go out
// together in one write and one fdatasync. A batch never spans generations. A durable append
// completes only when its record is durable. A lazy one (ESE's JET_bitCommitLazyFlush)
// completes at once, inside append(), when its place in the log is already fixed: the
// current generation is open and has room for it after the records waiting to be written,
// and every earlier record has completed. Like ESE's log buffer, such records are then
// written together, once lazy_batch_bytes of them are queued, with the next record that has
// to be written, or at the one-second lazy-flush timer; a sync(), roll() or drain() asked
// for later completes only after they are written. Otherwise a lazy record completes when
// it is written. Either way it becomes durable at the next fdatasync (the next durable
// append, a sync(), or the lazy-flush timer), and records complete in LSN order. A process
// killed before then loses them, as a machine that stops loses unsynced ones.
//
// A record larger than a generation's room gets a generation of its own, sized to fit it
// (the header says each generation's size), so a 64 MiB value needs no special case.
//
// The strand never waits on the disk for a generation: the next one is made ahead on the
// file service's threads (created, written with zeros, header written and synced, under a
// temporary name), and a switch (a full generation, or roll()) renames it into place and
// syncs the directory there too. Records and syncs asked for meanwhile wait for it, as for
// a batch in flight; a lazy record is not completed at once while a switch is under way.
//
// Not thread-safe: used on its instance's strand only.

#include "io/file_service.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace jetstrand::storage {

inline constexpr std::size_t log_header_size = 4096;
inline constexpr std::size_t log_record_header_size = 16;

inline std::uint32_t generation_of(std::uint64_t lsn) noexcept {
  return static_cast<std::uint32_t>(lsn >> 32);
}

std::filesystem::path log_file_path(const std::filesystem::path& dir, std::uint32_t gen);
// The generation a log file name (gen-<8 upper-case hex>.log) stands for; false otherwise.
bool parse_log_file_name(std::string_view name, std::uint32_t& gen);
// The generations present in `dir`, ascending.
std::vector<std::uint32_t> list_generations(const std::filesystem::path& dir);
// Removes generations a crash left half-made (still under their temporary name).
void remove_unfinished_generations(const std::filesystem::path& dir);

// Calls `record(lsn, payload)` for each valid record of one generation file, in order.
// Errors: the system's, or -1022 if the file's header is not a log header of `gen`.
boost::system::error_code read_generation(
    const std::filesystem::path& dir, std::uint32_t gen,
    const std::function<void(std::uint64_t lsn, std::string_view payload)>& record);

struct log_stats {
  std::uint64_t records = 0;
  std::uint64_t flushes = 0;  // fdatasyncs: fewer than records under group commit and lazy commits
  std::uint64_t writes = 0;   // batches written: fewer than records when lazy ones wait for a batch
  std::uint64_t bytes = 0;
};

class write_ahead_log {
 public:
  using strand = boost::asio::strand<boost::asio::any_io_executor>;
  using append_handler = std::function<void(boost::system::error_code, std::uint64_t lsn)>;
  // Lazy records completed at append() are written once this many bytes of them wait (or
  // sooner, see above): one write per batch instead of one per commit.
  static constexpr std::size_t lazy_batch_bytes = 64 << 10;
  using roll_handler = std::function<void(boost::system::error_code, std::uint32_t new_gen)>;

  // Writes will start in generation `first_gen` (created on the first append or roll).
  write_ahead_log(const io::file_service& files, strand s, std::filesystem::path dir,
                  std::size_t file_size, std::uint32_t first_gen);

  // The largest record payload: 64 MiB plus room for the transaction's other operations.
  static constexpr std::size_t max_payload() noexcept { return (64u << 20) + (1u << 20); }
  void append(std::string payload, append_handler done) { append(std::move(payload), true, std::move(done)); }
  void append(std::string payload, bool durable, append_handler done);
  // done(error) once every record written so far is durable.
  void sync(std::function<void(boost::system::error_code)> done);
  // The newest record known durable (0: none yet).
  std::uint64_t durable_lsn() const noexcept { return durable_lsn_; }
  // After the batch in flight (if any) is durable, switches to a new generation; done gets
  // its number, never inside this call. Every record in earlier generations is then final.
  void roll(roll_handler done);
  // Done when nothing is in flight or queued, every record is durable, and the generation
  // made ahead (if any) is removed: call before destroying the log.
  void drain(std::function<void()> done);
  // True once the next generation is made ahead and waiting (tests, metrics).
  bool next_generation_ready() const noexcept { return spare_.state == spare_state::ready; }
  // True while the next generation is made ahead (or removed) on the file layer's threads.
  bool making_next_generation() const noexcept { return spare_.state == spare_state::making; }

  // The generation new records go to (it may not exist yet).
  std::uint32_t current_generation() const noexcept { return gen_; }
  std::uint64_t last_lsn() const noexcept { return last_lsn_; }
  const log_stats& stats() const noexcept { return stats_; }

 private:
  struct pending {
    std::string payload;
    bool durable;
    append_handler done;      // empty once the record has completed (a lazy one, at once)
    std::uint64_t lsn = 0;    // fixed at append() for a record completed at once
  };
  // The generation after the current one, made ahead off the strand.
  struct spare_state {
    enum { none, making, ready } state = none;
    std::uint32_t gen = 0;
    std::size_t size = 0;
  };
  using switched_handler = std::function<void(boost::system::error_code)>;

  void flush();
  void write_batch();
  void fail_queue(boost::system::error_code ec);
  void sync_now();
  void arm_lazy_timer();
  // `written`: the batch reached the file (so a failure may have left a torn record).
  void after_flush(boost::system::error_code ec, std::vector<pending> batch,
                   std::vector<std::uint64_t> lsns, bool written);
  // Leaves the current generation (its lazy records synced first) for `gen`, of at least
  // `size` bytes; `done` on the strand. flushing_ stays set throughout.
  void switch_generation(std::uint32_t gen, std::size_t size, switched_handler done);
  void enter_generation(std::uint32_t gen, std::size_t size, switched_handler done);
  void make_spare();
  void remove_spare();
  void spare_settled();
  bool run_rolls();  // true if a switch started (it resumes the log when done)

  const io::file_service& files_;
  strand strand_;
  std::filesystem::path dir_;
  std::size_t file_size_;
  std::uint32_t gen_;
  io::file file_;  // current generation, once created
  std::size_t current_size_ = 0;  // its size (file_size_, or more for one large record)
  std::size_t offset_ = log_header_size;
  bool unsynced_ = false;         // lazy records written but not yet synced
  std::uint64_t written_lsn_ = 0, durable_lsn_ = 0;
  std::vector<std::function<void(boost::system::error_code)>> syncs_;
  boost::asio::steady_timer lazy_timer_;
  bool lazy_timer_armed_ = false;
  std::shared_ptr<char> alive_ = std::make_shared<char>();  // for a timer firing after destruction
  std::uint64_t last_lsn_ = 0;
  bool flushing_ = false;
  boost::system::error_code failed_;  // a record write or sync failed: the log is unusable
  std::vector<pending> queue_;
  // Bytes of the queued records already completed: their places follow offset_ in order.
  std::size_t completed_queued_bytes_ = 0;
  std::size_t incomplete_ = 0;  // records appended whose handler has not been called
  std::vector<roll_handler> rolls_;
  bool switching_ = false;  // a switch_generation() is under way
  spare_state spare_;
  std::function<void()> spare_waiter_;  // a switch waiting for the spare being made
  std::vector<std::function<void()>> drains_;
  log_stats stats_;
};

}  // namespace jetstrand::storage
