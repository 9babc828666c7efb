#pragma once
// Redo: replays commit records from the log into databases. Idempotent: a record is applied
// to a database only if its LSN is above the database's durable LSN (its snapshot already
// holds everything up to there). The same code recovers after a crash and replays a
// backup's logs after a restore.

#include "storage/database_file.hpp"

#include <map>

namespace jetstrand::storage {

struct replay_result {
  std::uint64_t last_lsn = 0;         // the newest record read (0: none)
  std::uint32_t last_generation = 0;  // the newest generation present (0: none)
  std::uint64_t records = 0;
  std::uint64_t applied = 0;          // operations applied
};

// Replays generations [from_gen, last present] of `log_dir` in order. A missing generation
// in that range is an error (-1022): the log is not contiguous.
replay_result replay_logs(const std::filesystem::path& log_dir, std::uint32_t from_gen,
                          const std::map<std::string, database_file*, std::less<>>& databases,
                          boost::system::error_code& ec);

}  // namespace jetstrand::storage
