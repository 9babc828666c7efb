#pragma once
// The per-file progress of the open backup, kept by the session (private).

#include "jetstrand/backup/backup_status.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace jetstrand::backup {

// Keeps the per-file part of the status up to date. Not thread-safe: the session's strand.
class backup_progress_book {
 public:
  void expect(const std::string& name, std::uint64_t size);  // a file the backup will copy
  void opened(const std::string& name, std::uint64_t size);
  void delivered(const std::string& name, std::uint64_t position);
  void failed(const std::string& name, int error);
  void closed(const std::string& name, bool at_end);
  void clear() { files_.clear(); }

  // Fills files, bytes_read and bytes_total.
  void fill(backup_status& out) const;

 private:
  backup_file_status& entry(const std::string& name, std::uint64_t size);
  std::vector<backup_file_status> files_;
};

}  // namespace jetstrand::backup
