#pragma once
// One instance's streaming backup (SPEC §3) on the instance's strand: the state machine of
// backup_state.hpp plus the I/O. Private: users call streaming_backup.hpp, whose functions
// (streaming_backup.cpp) run these methods on the strand; every callback is called there.

#include "jetstrand/backup/backup_status.hpp"
#include "progress_book.hpp"
#include "jetstrand/backup/backup_types.hpp"
#include "jetstrand/instance.hpp"
#include "jetstrand/instance_extension.hpp"
#include "jetstrand/log.hpp"

#include <boost/asio/buffer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace jetstrand::backup {

class backup_state;
class rate_limiter;
struct chain_event;

class backup_session : public instance_extension {
 public:
  using done_fn = std::function<void(boost::system::error_code)>;
  // The begin's own result: on success, the status of the backup it opened, taken when the
  // begin completed (state `ended` if an end came before the begin's checkpoint finished).
  using begin_fn = std::function<void(boost::system::error_code, backup_status)>;

  explicit backup_session(instance& inst);
  ~backup_session() override;

  void set_options(const backup_options& o);
  // Completes exactly once: with the checkpoint (full), or earlier with a stop or an end.
  void begin(unsigned flags, begin_fn done);
  boost::system::error_code attach_info(std::vector<std::string>& files);
  boost::system::error_code open(const std::string& name, std::uint32_t& handle,
                                 std::uint64_t& size);
  // Fills `buffer` from the handle's position (0 bytes at the end). `caller_cancelled` is
  // polled between chunks (operation_aborted); a stop ends it with -801. Either way the
  // bytes delivered so far are reported. One read at a time per handle (-1003 otherwise).
  void read(std::uint32_t handle, boost::asio::mutable_buffer buffer,
            std::function<bool()> caller_cancelled,
            std::function<void(boost::system::error_code, std::size_t)> done);
  boost::system::error_code close(std::uint32_t handle);
  void log_info(std::function<void(boost::system::error_code, log_range)> done);
  boost::system::error_code truncate_log_info(std::vector<std::string>& files);
  boost::system::error_code truncate_log();
  boost::system::error_code end(unsigned mode, end_result& result);
  // The open backup's read rate limit, bytes per second (0: unlimited). -520 without a
  // backup. Takes effect at once, also for reads waiting under the old limit.
  boost::system::error_code set_max_rate(std::uint64_t bytes_per_second);
  // Sets the stop, emits terminal cancellation to every read chain in flight and completes
  // each at once with -801 and the bytes it delivered (a chunk still in the kernel is
  // dropped when it lands); takes note of the stop requests made so far.
  void stop();
  // Thread-safe, the one method callable off the strand: announces a stop that is about to
  // be posted to the strand. Until stop() (or forget_stop_requests()) runs there, read chains
  // end at their next step with -801 instead of verifying and delivering what they read: a
  // stop does not wait behind the chunks queued on the strand ahead of it.
  void request_stop() noexcept { stop_requests_.fetch_add(1, std::memory_order_release); }
  // For a stop call that was refused: its request no longer ends chains.
  void forget_stop_requests() noexcept;

  // nullopt when no backup is open.
  std::optional<backup_status> status() const;
  std::optional<completed_backup> last_completed() const;
  std::size_t reads_in_flight() const noexcept { return chains_.size(); }
  const backup_state& state() const noexcept { return *state_; }

  boost::system::error_code can_change_databases() override;  // -505 while open
  boost::system::error_code can_terminate(terminate_mode mode) override;
  void on_terminate(terminate_mode mode, std::function<void()> done) override;

 private:
  struct handle_io;
  struct chain;
  struct pinned_database;
  struct read_chain_op;  // read_chain.cpp
  // Stopped, or a stop requested and not yet run on the strand.
  bool stopping() const noexcept;
  void run_chain(std::shared_ptr<chain> c, std::function<void(boost::system::error_code, std::size_t)> done);
  // Resumes every read waiting on a chunk in the kernel: with the stop in force or its
  // handle gone, each completes with -801 at once.
  void resume_waiting_chains();
  void note_read(const chain& c, std::size_t n);
  // A chunk of `c` landed or its rate-limit wait ended (read_chain.cpp).
  void landed(chain& c, chain_event e);
  // Chunk buffers, reused across the reads of a backup (a fresh one costs page faults).
  std::vector<unsigned char> chunk_buffers(std::size_t bytes);
  void recycle(std::vector<unsigned char> chunks);
  void release_all();
  // Completes a full begin waiting on its checkpoint (a stop or an end came first).
  void complete_pending_begin(bool ending);
  // No chain running and no read of one in the kernel.
  bool idle() const noexcept;
  void wake_idle_waiters();

  std::atomic<std::uint64_t> stop_requests_{0};  // the only state touched off the strand
  std::uint64_t stop_requests_seen_ = 0;

  instance& inst_;
  backup_options options_;
  std::unique_ptr<backup_state> state_;
  std::unique_ptr<rate_limiter> limiter_;
  std::map<std::uint32_t, std::shared_ptr<handle_io>> io_;
  std::map<std::string, std::shared_ptr<pinned_database>> pinned_;  // by database name
  std::list<std::shared_ptr<chain>> chains_;
  std::vector<std::function<void()>> idle_waiters_;  // waiting for idle()
  std::vector<std::vector<unsigned char>> spare_chunks_;  // freed at end
  // Chunk reads in the kernel, page checks off the strand and rate-limit waits not yet back
  // on the strand (their chain may have ended).
  std::size_t reads_in_kernel_ = 0;
  begin_fn pending_begin_;          // a full begin waiting for a running checkpoint to end
  std::uint64_t begin_serial_ = 0;  // which backup is open (a landing checkpoint checks it)
  backup_progress_book book_;
  logger log_;  // the instance's channel: begin, stop, end and truncation at info
  std::chrono::steady_clock::time_point began_;
  std::uint64_t bytes_delivered_ = 0;  // by this backup's reads, for the end's log line
};

}  // namespace jetstrand::backup
