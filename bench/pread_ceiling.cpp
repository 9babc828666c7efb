#include "pread_ceiling.hpp"

#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace jetstrand::bench {

std::uint64_t pread_all(const std::vector<std::filesystem::path>& files) {
  static thread_local std::vector<char> buffer(1 << 20);
  std::uint64_t total = 0;
  for (const auto& f : files) {
    int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open " + f.string());
    for (off_t off = 0;;) {
      ssize_t n = ::pread(fd, buffer.data(), buffer.size(), off);
      if (n <= 0) break;
      off += n;
      total += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
  }
  return total;
}

}  // namespace jetstrand::bench
