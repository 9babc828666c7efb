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
  written_ = flushed_to_ = 0;
  return fd_ < 0 ? last_system_error() : error_code{};
}

error_code directory_sink::write(std::span<const unsigned char> bytes) {
  if (auto ec = write_all(fd_, bytes.data(), bytes.size())) return ec;
  written_ += bytes.size();
  // Start writeback every few MiB without waiting for it, so that dirty pages never pile
  // up to where the kernel throttles this writer (a stall a stop would wait behind), and
  // the fdatasync at commit has little left to do.
  constexpr std::uint64_t writeback_step = 8 << 20;
  if (written_ - flushed_to_ >= writeback_step) {
    ::sync_file_range(fd_, static_cast<off_t>(flushed_to_), static_cast<off_t>(written_ - flushed_to_),
                      SYNC_FILE_RANGE_WRITE);
    flushed_to_ = written_;
  }
  return {};
}

error_code directory_sink::end_file(const manifest_file&) {
  // Made durable at commit, all files together: a stop while copying never waits for a sync.
  ::sync_file_range(fd_, static_cast<off_t>(flushed_to_), 0, SYNC_FILE_RANGE_WRITE);
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
