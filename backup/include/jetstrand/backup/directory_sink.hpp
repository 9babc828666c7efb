#pragma once
// Writes a backup set into a directory (layout in manifest.hpp). The directory must not
// exist or be empty (-1003 otherwise: a set is never mixed with another). While the backup
// runs the directory holds INCOMPLETE; commit() makes every file durable, writes the
// manifest atomically and only then removes the marker. abandon() leaves the marker with
// the reason (not synced: an abandon never waits on the disk), so an interrupted set is
// never mistaken for a whole one. Nothing waits on the disk before commit().

#include "jetstrand/backup/backup_sink.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace jetstrand::backup {

class directory_sink final : public backup_sink {
 public:
  // `instance`, when given, is written into the INCOMPLETE marker ("instance: NAME"), so a
  // listing can tell whose an unfinished set is.
  explicit directory_sink(std::filesystem::path dir, std::string instance = {});
  ~directory_sink() override;
  directory_sink(const directory_sink&) = delete;
  directory_sink& operator=(const directory_sink&) = delete;

  boost::system::error_code start() override;
  boost::system::error_code begin_file(const manifest_file& f) override;
  boost::system::error_code write(std::span<const unsigned char> bytes) override;
  boost::system::error_code end_file(const manifest_file& f) override;
  boost::system::error_code commit(const backup_manifest& m) override;
  void abandon(std::string_view reason) noexcept override;

  const std::filesystem::path& directory() const noexcept { return dir_; }

 private:
  std::string marker_text(std::string_view first_line) const;

  std::filesystem::path dir_;
  std::string instance_;
  int fd_ = -1;  // the file being written
};

}  // namespace jetstrand::backup
