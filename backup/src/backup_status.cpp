#include "jetstrand/backup/backup_status.hpp"
#include "progress_book.hpp"

#include <algorithm>

namespace jetstrand::backup {

const char* to_string(file_state s) noexcept {
  switch (s) {
    case file_state::pending: return "pending";
    case file_state::reading: return "reading";
    case file_state::copied: return "copied";
    case file_state::partial: return "partial";
    case file_state::failed: return "failed";
  }
  return "unknown";
}

const char* to_string(backup_phase p) noexcept {
  switch (p) {
    case backup_phase::databases: return "databases";
    case backup_phase::logs: return "logs";
    case backup_phase::stopped: return "stopped";
    case backup_phase::ended: return "ended";
  }
  return "unknown";
}

backup_file_status& backup_progress_book::entry(const std::string& name, std::uint64_t size) {
  auto it = std::find_if(files_.begin(), files_.end(), [&](const auto& f) { return f.name == name; });
  if (it != files_.end()) return *it;
  files_.push_back({name, size, 0, file_state::pending, 0});
  return files_.back();
}

void backup_progress_book::expect(const std::string& name, std::uint64_t size) { entry(name, size); }

void backup_progress_book::opened(const std::string& name, std::uint64_t size) {
  auto& f = entry(name, size);
  f.size = size;
  if (f.state != file_state::failed) f.state = file_state::reading;
}

void backup_progress_book::delivered(const std::string& name, std::uint64_t position) {
  auto& f = entry(name, 0);
  f.bytes_read = std::max(f.bytes_read, position);
}

void backup_progress_book::failed(const std::string& name, int error) {
  auto& f = entry(name, 0);
  f.state = file_state::failed;
  f.error = error;
}

void backup_progress_book::closed(const std::string& name, bool at_end) {
  auto& f = entry(name, 0);
  if (f.state == file_state::failed) return;  // the error stays visible
  if (at_end || f.state == file_state::copied) {
    f.state = file_state::copied;
  } else {
    f.state = file_state::partial;
  }
}

void backup_progress_book::fill(backup_status& out) const {
  out.files = files_;
  out.bytes_read = 0;
  out.bytes_total = 0;
  for (const auto& f : files_) {
    out.bytes_read += f.bytes_read;
    out.bytes_total += f.size;
  }
}

}  // namespace jetstrand::backup
