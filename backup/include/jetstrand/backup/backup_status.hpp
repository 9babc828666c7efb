#pragma once
// What an open backup has done so far, per file (SPEC §4's status object). A snapshot,
// taken on the instance's strand by async_backup_status.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace jetstrand::backup {

enum class file_state {
  pending,  // to copy, not opened yet
  reading,  // open
  copied,   // closed after being read to its end
  partial,  // closed before its end
  failed,   // a read ended with an error (see `error`); stays so until the backup ends
};
const char* to_string(file_state s) noexcept;

struct backup_file_status {
  std::string name;
  std::uint64_t size = 0;
  std::uint64_t bytes_read = 0;  // the furthest position delivered
  file_state state = file_state::pending;
  int error = 0;                 // JET code (or -1022 for an I/O error) when failed
};

// ended: only in a begin's own result, when an end came before the begin completed.
enum class backup_phase { databases, logs, stopped, ended };
const char* to_string(backup_phase p) noexcept;

struct backup_status {
  backup_phase state = backup_phase::databases;
  bool incremental = false;
  bool stop_requested = false;
  std::uint64_t max_rate = 0;     // the read rate limit, bytes per second (0: unlimited)
  std::uint64_t bytes_read = 0;   // over every file below
  std::uint64_t bytes_total = 0;  // the sizes of every file known to the backup so far
  std::vector<backup_file_status> files;  // databases (full), then logs once log-info ran
};

// The newest backup of an instance that ended `completed` (over its attached databases, as
// recorded in their headers: it survives a restart once a checkpoint has written them).
struct completed_backup {
  bool incremental = false;
  std::chrono::system_clock::time_point completed_at;
  std::uint32_t gen_high = 0;  // end of its log range: an incremental continues from here
};

}  // namespace jetstrand::backup
