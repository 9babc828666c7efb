#pragma once
// Offline checks of backup sets, without an engine: what restore runs before it changes
// anything, and what `jetstrand verify` runs.

#include "jetstrand/backup/manifest.hpp"

#include <boost/system/error_code.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace jetstrand::backup {

struct verify_report {
  std::vector<backup_manifest> manifests;  // one per set, in the order given
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::uint64_t log_records = 0;
  std::string problem;  // for people: which file and what is wrong (empty when clean)
};

// One set: the manifest (-615 when missing, damaged, or the set is marked INCOMPLETE);
// every database listed is there (-1811), every file has its size and CRC32C (-1018); a full set holds
// databases whose headers and pages verify (-615 for a file that is not a database,
// -1018/-1206 for damage), an incremental one none (-615); the logs are exactly the
// generations of the copy range (-554 when the first is missing, -553 for a later one),
// each a valid log of its generation whose records all parse (-1022/-1206).
boost::system::error_code verify_backup_set(const std::filesystem::path& dir, verify_report& report);

// A chain: a full set then incrementals, each verified as above; each incremental's range
// must start no later than where the previous one ended (-554), and the first set must be
// full (-615).
boost::system::error_code verify_backup_chain(const std::vector<std::filesystem::path>& sets,
                                              verify_report& report);

}  // namespace jetstrand::backup
