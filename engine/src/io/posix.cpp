#include "io/posix.hpp"

#include "jetstrand/error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <vector>

namespace jetstrand::io::posix {

using boost::system::error_code;

error_code last_error() { return {errno, boost::system::system_category()}; }

unique_fd& unique_fd::operator=(unique_fd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

error_code unique_fd::close() {
  if (fd_ < 0) return {};
  // Linux closes the descriptor even when close fails (EINTR included): never retry.
  const int rc = ::close(std::exchange(fd_, -1));
  return rc == 0 ? error_code{} : last_error();
}

void unique_fd::reset() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

error_code open(const std::filesystem::path& path, int flags, unique_fd& out, unsigned mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return last_error();
  out = unique_fd(fd);
  return {};
}

error_code read_at(int fd, void* buf, std::size_t n, std::uint64_t off, std::size_t& got) {
  auto* p = static_cast<char*>(buf);
  got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, p + got, n - got, static_cast<off_t>(off + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    if (r == 0) break;  // end of file
    got += static_cast<std::size_t>(r);
  }
  return {};
}

error_code read_exact_at(int fd, void* buf, std::size_t n, std::uint64_t off) {
  std::size_t got = 0;
  if (auto ec = read_at(fd, buf, n, off, got)) return ec;
  return got == n ? error_code{} : error_code(jet_errc::disk_io);
}

bool read_cached_at(int fd, void* buf, std::size_t n, std::uint64_t off) noexcept {
  iovec v{buf, n};
  ssize_t r;
  do {
    r = ::preadv2(fd, &v, 1, static_cast<off_t>(off), RWF_NOWAIT);
  } while (r < 0 && errno == EINTR);
  return r >= 0 && static_cast<std::size_t>(r) == n;
}

error_code read_some(int fd, void* buf, std::size_t n, std::size_t& got) {
  while (true) {
    const ssize_t r = ::read(fd, buf, n);
    if (r >= 0) {
      got = static_cast<std::size_t>(r);
      return {};
    }
    if (errno != EINTR) return last_error();
  }
}

error_code write_all_at(int fd, const void* buf, std::size_t n, std::uint64_t off) {
  auto* p = static_cast<const char*>(buf);
  while (n > 0) {
    const ssize_t r = ::pwrite(fd, p, n, static_cast<off_t>(off));
    if (r < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    // pwrite returns 0 only for n == 0; guard anyway so this cannot spin.
    if (r == 0) return {ENOSPC, boost::system::system_category()};
    p += r;
    n -= static_cast<std::size_t>(r);
    off += static_cast<std::uint64_t>(r);
  }
  return {};
}

error_code write_all(int fd, const void* buf, std::size_t n) {
  auto* p = static_cast<const char*>(buf);
  while (n > 0) {
    const ssize_t r = ::write(fd, p, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    if (r == 0) return {ENOSPC, boost::system::system_category()};
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return {};
}

error_code sync(int fd) {
  // Not retried on EINTR as a loop of its own would hide nothing: fsync reports a failed
  // write-back once, and a retry that succeeds would say the data is durable when it is not.
  return ::fsync(fd) == 0 ? error_code{} : last_error();
}

error_code sync_data(int fd) { return ::fdatasync(fd) == 0 ? error_code{} : last_error(); }

error_code preallocate(int fd, std::uint64_t size) {
  int rc;
  do {
    rc = ::ftruncate(fd, static_cast<off_t>(size));
  } while (rc < 0 && errno == EINTR);
  return rc == 0 ? error_code{} : last_error();
}

error_code write_zeros(int fd, std::uint64_t from, std::uint64_t to) {
  static constexpr std::size_t piece = 64u << 10;
  static const std::vector<unsigned char> zeros(piece, 0);
  for (std::uint64_t at = from; at < to;) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(piece, to - at));
    if (auto ec = write_all_at(fd, zeros.data(), n, at)) return ec;
    // Starts the piece's write-back at once, without waiting for it (see the declaration).
    // Only a hint: the caller's fsync waits for every piece and reports any write error.
    ::sync_file_range(fd, static_cast<off_t>(at), static_cast<off_t>(n), SYNC_FILE_RANGE_WRITE);
    at += n;
  }
  return {};
}

error_code sync_directory(const std::filesystem::path& dir) {
  unique_fd fd;
  if (auto ec = open(dir, O_RDONLY | O_DIRECTORY, fd)) return ec;
  if (auto ec = sync(fd.get())) return ec;
  return fd.close();
}

error_code rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) return last_error();
  return {};
}

error_code write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  auto tmp = path;
  tmp += ".tmp";
  unique_fd fd;
  error_code ec = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, fd);
  if (!ec) ec = write_all(fd.get(), bytes.data(), bytes.size());
  if (!ec) ec = sync(fd.get());
  if (!ec) ec = fd.close();
  if (!ec && ::rename(tmp.c_str(), path.c_str()) != 0) ec = last_error();
  if (ec) {
    ::unlink(tmp.c_str());
    return ec;
  }
  return sync_directory(path.parent_path());
}

error_code read_file(const std::filesystem::path& path, std::string& out) {
  unique_fd fd;
  if (auto ec = open(path, O_RDONLY, fd)) return ec;
  out.clear();
  char buf[1 << 16];
  while (true) {
    std::size_t got = 0;
    if (auto ec = read_some(fd.get(), buf, sizeof buf, got)) return ec;
    if (got == 0) return {};
    out.append(buf, got);
  }
}

}  // namespace jetstrand::io::posix
