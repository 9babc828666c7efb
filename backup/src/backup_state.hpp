#pragma once
// The streaming-backup state machine of SPEC §3, with no I/O in it: every call checks its
// errors in the order of the SPEC's table and either fails and changes nothing (S6) or
// succeeds and updates the state. The async layer (read chains, the stop's cancellation)
// drives it on the instance's strand and does the I/O.

#include "jetstrand/backup/backup_types.hpp"

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace jetstrand::backup {

enum class instance_phase { created, starting, running, terminating, terminated };
enum class file_kind { database, log };

// What begin() needs to know about the instance.
struct begin_context {
  instance_phase phase = instance_phase::running;
  std::uint32_t checkpoint_generation = 1;
  bool every_database_fully_backed_up = false;
  std::uint32_t last_backup_generation_high = 0;  // where an incremental range starts
  // The database files a full backup copies (attach/detach is -505 while it is open, so
  // they stay the same until end): end(normal) completes only when each was read to its end.
  std::vector<std::string> database_files;
};

// What open() learns about a name from the instance (nullopt: no such file).
struct file_lookup {
  file_kind kind;
  std::uint64_t size;
  std::uint32_t generation = 0;  // logs
};

struct open_file {
  std::string name;
  file_kind kind;
  std::uint64_t size = 0;
  std::uint64_t position = 0;  // bytes delivered so far
  std::uint32_t generation = 0;
};

class backup_state {
 public:
  explicit backup_state(std::size_t max_open_files = 16) : max_open_(max_open_files) {}

  boost::system::error_code begin(unsigned flags, const begin_context& ctx);
  // Names of the database files to copy (given the attached ones).
  boost::system::error_code attach_info() const;
  // `lookup(name)` is asked only once the name is well formed.
  template <typename Lookup>
  boost::system::error_code open(std::string_view name, Lookup&& lookup, std::uint32_t& handle);
  // Before a read: buffer sizes of databases must be whole pages.
  boost::system::error_code check_read(std::uint32_t handle, std::size_t buffer_size,
                                       std::size_t page_size) const;
  // After a read delivered `n` bytes (0 at the end).
  void note_read(std::uint32_t handle, std::size_t n);
  boost::system::error_code close(std::uint32_t handle);
  // First call: `roll()` gives the new log generation, which fixes [low, high).
  template <typename Roll>
  boost::system::error_code log_info(Roll&& roll);
  // log_info's checks alone (-520, -801, -521), for a caller whose roll is asynchronous.
  boost::system::error_code check_log_info() const;
  boost::system::error_code truncate_log_info() const;
  boost::system::error_code truncate_log() const;
  boost::system::error_code end(unsigned mode, end_result& result);
  // Sets the stop if a backup is open; never fails (the instance check is the caller's).
  void stop() noexcept;

  bool is_open() const noexcept { return open_; }
  bool stopped() const noexcept { return stopped_; }
  bool incremental() const noexcept { return incremental_; }
  bool in_log_phase() const noexcept { return log_info_done_ || incremental_; }
  bool log_info_done() const noexcept { return log_info_done_; }
  std::uint32_t generation_low() const noexcept { return gen_low_; }
  std::uint32_t generation_high() const noexcept { return gen_high_; }
  const std::map<std::uint32_t, open_file>& handles() const noexcept { return handles_; }
  const open_file* file(std::uint32_t handle) const;
  // Files read to their end (and closed), by name: what counts as copied.
  const std::set<std::string>& copied() const noexcept { return copied_; }

  // File names a backup may ask for: [A-Za-z0-9_.-]{1,128}, not "." or "..", no "..".
  static bool valid_file_name(std::string_view name) noexcept;

 private:
  boost::system::error_code usable() const;  // -520, then -801

  std::size_t max_open_;
  bool open_ = false;
  bool stopped_ = false;
  bool incremental_ = false;
  bool log_info_done_ = false;
  std::uint32_t gen_low_ = 0;
  std::uint32_t gen_high_ = 0;
  std::uint32_t next_handle_ = 1;
  std::map<std::uint32_t, open_file> handles_;
  std::vector<std::string> database_files_;  // full backups: what must be copied
  std::set<std::string> copied_;
  std::set<std::uint32_t> copied_generations_;
};

}  // namespace jetstrand::backup

#include "backup_state_impl.hpp"
