#include "jetstrand/backup/directory_sink.hpp"

#include "durable_file.hpp"
#include "jetstrand/error.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace jetstrand::backup {

namespace fs = std::filesystem;
using boost::system::error_code;

using detail::last_system_error;
using detail::sync_directory;
using detail::write_all;
using detail::write_file_atomically;

namespace {
error_code from_std(const std::error_code& e) { return {e.value(), boost::system::system_category()}; }
}  // namespace

directory_sink::directory_sink(fs::path dir) : dir_(std::move(dir)) {}

directory_sink::~directory_sink() {
  if (fd_ >= 0) ::close(fd_);
}

error_code directory_sink::start() {
  std::error_code sec;
  if (fs::exists(dir_, sec) && !fs::is_empty(dir_, sec)) return jet_errc::invalid_parameter;
  fs::create_directories(dir_ / "databases", sec);
  if (!sec) fs::create_directories(dir_ / "logs", sec);
  if (sec) return from_std(sec);
  return write_file_atomically(dir_ / incomplete_marker_name, "backup in progress\n");
}

error_code directory_sink::begin_file(const manifest_file& f) {
  if (fd_ >= 0) ::close(fd_);
  auto path = dir_ / f.relative_path();
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  return fd_ < 0 ? last_system_error() : error_code{};
}

error_code directory_sink::write(std::span<const unsigned char> bytes) {
  // Through the page cache, never synced here: every file is made durable at commit, so a
  // stop while copying never waits for the disk (a sync_file_range per few MiB did block
  // for hundreds of milliseconds when the disk was busy).
  return write_all(fd_, bytes.data(), bytes.size());
}

error_code directory_sink::end_file(const manifest_file&) {
  // Made durable at commit, all files together: a stop while copying never waits for a sync.
  const int rc = ::close(fd_);
  fd_ = -1;
  return rc == 0 ? error_code{} : last_system_error();
}

error_code directory_sink::commit(const backup_manifest& m) {
  for (const auto& f : m.files) {
    const auto path = dir_ / f.relative_path();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return last_system_error();
    error_code ec = ::fdatasync(fd) == 0 ? error_code{} : last_system_error();
    ::close(fd);
    if (ec) return ec;
  }
  for (const char* sub : {"databases", "logs"}) {
    if (auto ec = sync_directory(dir_ / sub)) return ec;
  }
  if (auto ec = write_file_atomically(dir_ / manifest_file_name, to_json(m))) return ec;
  if (::unlink((dir_ / incomplete_marker_name).c_str()) != 0) return last_system_error();
  return sync_directory(dir_);
}

void directory_sink::abandon(std::string_view reason) noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  // The marker is durable since start(); the reason added here is for people, so it is
  // not synced (an abandon must not wait on the disk).
  std::string text = "backup did not complete: ";
  text.append(reason);
  text += "\n";
  const int fd = ::open((dir_ / incomplete_marker_name).c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd >= 0) {
    (void)write_all(fd, text.data(), text.size());
    ::close(fd);
  }
}

}  // namespace jetstrand::backup
