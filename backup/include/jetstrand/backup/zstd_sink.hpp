#pragma once
// A sink that stores every file compressed with zstd (one frame per file, "<name>.zst"),
// in front of any other sink (a folder, an object store). The manifest it commits records,
// per file, the compression and the stored size; the size and CRC32C stay those of the
// file's own bytes, so verify and restore check what was backed up, not what was stored.
// Memory: zstd's stream state and one output buffer (~128 KiB), whatever the file size.

#include "jetstrand/backup/backup_sink.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace jetstrand::backup {

class zstd_sink final : public backup_sink {
 public:
  // level: zstd's, 1 (fast) to 19; 3 is zstd's default.
  explicit zstd_sink(backup_sink& inner, int level = 3);
  ~zstd_sink() override;
  zstd_sink(const zstd_sink&) = delete;
  zstd_sink& operator=(const zstd_sink&) = delete;

  boost::system::error_code start() override;
  boost::system::error_code begin_file(const manifest_file& f) override;
  boost::system::error_code write(std::span<const unsigned char> bytes) override;
  boost::system::error_code end_file(const manifest_file& f) override;
  boost::system::error_code commit(const backup_manifest& m) override;
  void abandon(std::string_view reason) noexcept override;

  // Compressed bytes written so far, all files.
  std::uint64_t stored_bytes() const noexcept;

 private:
  boost::system::error_code compress(std::span<const unsigned char> in, bool end);

  backup_sink& inner_;
  int level_;
  struct stream;
  std::unique_ptr<stream> stream_;
  std::vector<unsigned char> out_;
  std::uint64_t stored_ = 0;                      // of the file being written
  std::map<std::string, std::uint64_t> stored_sizes_;  // name -> compressed size
};

}  // namespace jetstrand::backup
