#include "durable_file.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace jetstrand::backup::detail {

using boost::system::error_code;

error_code last_system_error() { return {errno, boost::system::system_category()}; }

error_code write_all(int fd, const void* data, std::size_t size) {
  auto* p = static_cast<const unsigned char*>(data);
  while (size) {
    auto n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_system_error();
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

error_code sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return last_system_error();
  error_code ec = ::fsync(fd) == 0 ? error_code{} : last_system_error();
  ::close(fd);
  return ec;
}

error_code write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return last_system_error();
  error_code ec = write_all(fd, text.data(), text.size());
  if (!ec && ::fsync(fd) != 0) ec = last_system_error();
  ::close(fd);
  if (!ec && ::rename(tmp.c_str(), path.c_str()) != 0) ec = last_system_error();
  if (!ec) ec = sync_directory(path.parent_path());
  return ec;
}

error_code copy_file_durably(const std::filesystem::path& from, const std::filesystem::path& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return last_system_error();
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    auto ec = last_system_error();
    ::close(in);
    return ec;
  }
  std::vector<unsigned char> buf(1 << 20);
  error_code ec;
  while (!ec) {
    auto n = ::read(in, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      ec = last_system_error();
    } else if (n == 0) {
      break;
    } else {
      ec = write_all(out, buf.data(), static_cast<std::size_t>(n));
    }
  }
  if (!ec && ::fdatasync(out) != 0) ec = last_system_error();
  ::close(in);
  ::close(out);
  return ec;
}

}  // namespace jetstrand::backup::detail
