#pragma once
// Flags, results and options of the streaming backup calls (ESE's grbits and outcomes).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace jetstrand::backup {

// begin flags: anything else is -900 (JET_errInvalidGrbit).
inline constexpr unsigned backup_incremental = 0x1;
// end modes: exactly one of them, else -1003.
inline constexpr unsigned end_normal = 0x1;
inline constexpr unsigned end_abort = 0x2;

enum class end_result { completed, aborted };

struct log_range {
  std::vector<std::string> files;  // the logs of the copy range, oldest first
  std::uint32_t generation_low = 0;
  std::uint32_t generation_high = 0;  // exclusive
};

// How an instance's backups read (async_set_backup_options). Applies to the next backup
// begun; every instance starts with these defaults.
struct backup_options {
  // Bytes per read of the disk (rounded down to whole pages for a database, at least one
  // page; never more than the caller's buffer).
  std::size_t chunk_size = 256 * 1024;
  // Chunks of one read call in flight at once (1..4): a call with a buffer of several
  // chunks reads them ahead, checks their pages in parallel and delivers them in order.
  std::size_t read_ahead = 4;
  std::size_t max_open_files = 16;  // open past it is -1020 (JET_errTooManyOpenFiles)
};


}  // namespace jetstrand::backup
