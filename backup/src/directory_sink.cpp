#include "jetstrand/backup/directory_sink.hpp"

#include "io/posix.hpp"
#include "jetstrand/error.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace jetstrand::backup {

namespace fs = std::filesystem;
using boost::system::error_code;

using io::posix::last_error;
using io::posix::sync_directory;
using io::posix::write_all;
using io::posix::write_file_atomically;

namespace {
error_code from_std(const std::error_code& e) { return {e.value(), boost::system::system_category()}; }
}  // namespace

directory_sink::directory_sink(fs::path dir, std::string instance) : dir_(std::move(dir)), instance_(std::move(instance)) {}

std::string directory_sink::marker_text(std::string_view first_line) const {
  std::string text(first_line);
  text += "\n";
  if (!instance_.empty()) text += "instance: " + instance_ + "\n";
  return text;
}

directory_sink::~directory_sink() {
  if (fd_ >= 0) ::close(fd_);
}

error_code directory_sink::start() {
  std::error_code sec;
  if (fs::exists(dir_, sec) && !fs::is_empty(dir_, sec)) return jet_errc::invalid_parameter;
  fs::create_directories(dir_ / "databases", sec);
  if (!sec) fs::create_directories(dir_ / "logs", sec);
  if (sec) return from_std(sec);
  return write_file_atomically(dir_ / incomplete_marker_name, marker_text("backup in progress"));
}

error_code directory_sink::begin_file(const manifest_file& f) {
  if (fd_ >= 0) ::close(fd_);
  auto path = dir_ / f.relative_path();
  io::posix::unique_fd fd;
  if (auto ec = io::posix::open(path, O_WRONLY | O_CREAT | O_EXCL, fd)) return ec;
  fd_ = fd.release();
  return {};
}

error_code directory_sink::write(std::span<const unsigned char> bytes) {
  // Through the page cache, never synced here: every file is made durable at commit, so a
  // stop while copying never waits for the disk (a sync_file_range per few MiB did block
  // for hundreds of milliseconds when the disk was busy).
  return write_all(fd_, bytes.data(), bytes.size());
}

error_code directory_sink::end_file(const manifest_file&) {
  // Made durable at commit, all files together: a stop while copying never waits for a sync.
  return io::posix::unique_fd(std::exchange(fd_, -1)).close();
}

error_code directory_sink::commit(const backup_manifest& m) {
  for (const auto& f : m.files) {
    const auto path = dir_ / f.relative_path();
    io::posix::unique_fd fd;
    if (auto ec = io::posix::open(path, O_RDONLY, fd)) return ec;
    if (auto ec = io::posix::sync_data(fd.get())) return ec;
  }
  for (const char* sub : {"databases", "logs"}) {
    if (auto ec = sync_directory(dir_ / sub)) return ec;
  }
  if (auto ec = write_file_atomically(dir_ / manifest_file_name, to_json(m))) return ec;
  if (::unlink((dir_ / incomplete_marker_name).c_str()) != 0) return last_error();
  return sync_directory(dir_);
}

void directory_sink::abandon(std::string_view reason) noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  // The marker is durable since start(); the reason added here is for people, so it is
  // not synced (an abandon must not wait on the disk).
  std::string text = marker_text("backup did not complete: " + std::string(reason));
  io::posix::unique_fd fd;
  if (!io::posix::open(dir_ / incomplete_marker_name, O_WRONLY | O_TRUNC, fd)) {
    (void)write_all(fd.get(), text.data(), text.size());  // best effort: abandon cannot fail
  }
}

}  // namespace jetstrand::backup
