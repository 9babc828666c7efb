#pragma once
// The manifest of a backup set: what was copied, from which instance, with which log range,
// and a CRC32C per file. A backup set is a directory:
//
//   manifest.json          written last: its presence means the set is complete
//   INCOMPLETE             present while a backup is being written, and left (with the
//                          reason) when it ended early; never present next to a manifest
//   databases/<name>.jdb   database copies (full backups only)
//   logs/gen-<8 hex>.log   the logs of the copy range [generation_low, generation_high)
//   (…/<name>.zst          a file stored compressed: one zstd frame of the file's bytes)

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace jetstrand::backup {

inline constexpr const char* manifest_file_name = "manifest.json";
inline constexpr const char* incomplete_marker_name = "INCOMPLETE";
inline constexpr int manifest_format_version = 1;

enum class set_kind { full, incremental };
enum class backup_file_kind { database, log };
enum class file_compression { none, zstd };

struct manifest_file {
  std::string name;  // as the backup API names it: "<db>.jdb" or "gen-XXXXXXXX.log"
  backup_file_kind kind = backup_file_kind::database;
  std::uint64_t size = 0;      // of the file's own bytes
  std::uint32_t crc32c = 0;    // of the file's own bytes (after decompression)
  file_compression compression = file_compression::none;
  std::uint64_t stored_size = 0;  // bytes in the set when compressed

  // Where the file lives inside the set: databases/<name> or logs/<name>, with ".zst"
  // when it is stored compressed.
  std::filesystem::path relative_path() const;
};

struct backup_manifest {
  int version = manifest_format_version;
  std::string instance;
  set_kind kind = set_kind::full;
  std::uint32_t generation_low = 0;
  std::uint32_t generation_high = 0;  // exclusive
  std::string created;                // UTC, ISO 8601
  std::vector<manifest_file> files;

  std::uint64_t total_bytes() const noexcept;   // of the files' own bytes
  std::uint64_t stored_bytes() const noexcept;  // as stored (compressed files count compressed)
};

std::string to_json(const backup_manifest& m);
// -615 (not a backup) for anything that is not a manifest of a version we understand.
backup_manifest manifest_from_json(std::string_view text, boost::system::error_code& ec);

// Reads <dir>/manifest.json. -615 when it is missing, damaged, or the set is marked incomplete.
backup_manifest read_manifest(const std::filesystem::path& dir, boost::system::error_code& ec);

// The current time as the manifest's `created` field: UTC, ISO 8601 ("2026-11-23T08:00:00Z").
std::string utc_timestamp_now();

const char* to_string(set_kind k) noexcept;
const char* to_string(backup_file_kind k) noexcept;

}  // namespace jetstrand::backup
