#pragma once
// Restore (ESE's JetRestoreInstance, offline): a full backup set, optionally followed by its
// incrementals, becomes a new instance directory, brought forward by replaying the copied
// logs with the engine's own recovery.
//
// Guarantees:
// - Before anything is written, the whole chain is verified (verify.hpp): a missing start of
//   the log range -554, a missing later log -553, anything that is not a complete backup
//   set -615, damage -1018/-1206. Then nothing on disk has changed.
// - The target <data_dir>/<instance> must not exist (-1086). The set is assembled in a
//   staging directory and renamed into place; if the replay fails, the target is removed
//   again. Restore either produces a whole, verified instance or leaves no trace.
// - The restored instance holds exactly the transactions the backup's logs hold: everything
//   committed before the last set's log-info.
//
// Blocking: it runs an engine of its own for the replay. Do not restore into a directory a
// running engine serves under the same instance name.

#include "jetstrand/backup/verify.hpp"
#include "jetstrand/file_backend.hpp"
#include "jetstrand/storage_options.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace jetstrand::backup {

struct restore_options {
  std::vector<std::filesystem::path> sets;  // a full set, then its incrementals in order
  std::filesystem::path data_dir;           // the instance goes to data_dir/<instance>
  std::string instance;                     // default: the name in the manifest
  storage_options storage;                  // for the replay and what follows it
  io::backend_kind file_backend = io::backend_kind::automatic;
};

struct restore_report {
  std::string instance;
  std::filesystem::path directory;
  std::vector<std::string> databases;
  std::uint32_t generation_low = 0;   // the logs replayed: [low, high)
  std::uint32_t generation_high = 0;
  std::uint64_t records_replayed = 0;
  verify_report verified;
  std::string problem;  // for people, when it failed
};

boost::system::error_code restore_backup(const restore_options& options, restore_report& report);

}  // namespace jetstrand::backup
