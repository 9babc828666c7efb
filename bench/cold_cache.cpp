#include "cold_cache.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <memory>
#include <stdexcept>
#include <sys/mman.h>
#include <unistd.h>

namespace jetstrand::bench {

namespace {

struct fd_closer {
  int fd;
  ~fd_closer() { ::close(fd); }
};

int open_or_throw(const std::filesystem::path& f, int flags) {
  const int fd = ::open(f.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + f.string());
  return fd;
}

}  // namespace

void evict_from_page_cache(const std::vector<std::filesystem::path>& files) {
  for (const auto& f : files) {
    fd_closer fd{open_or_throw(f, O_RDONLY)};
    ::fdatasync(fd.fd);
    if (::posix_fadvise(fd.fd, 0, 0, POSIX_FADV_DONTNEED) != 0) throw std::runtime_error("posix_fadvise " + f.string());
  }
}

double resident_fraction(const std::vector<std::filesystem::path>& files) {
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  std::uint64_t pages = 0, resident = 0;
  for (const auto& f : files) {
    const auto size = std::filesystem::file_size(f);
    if (size == 0) continue;
    fd_closer fd{open_or_throw(f, O_RDONLY)};
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.fd, 0);
    if (map == MAP_FAILED) throw std::runtime_error("mmap " + f.string());
    std::vector<unsigned char> in_core((size + page - 1) / page);
    const int rc = ::mincore(map, size, in_core.data());
    ::munmap(map, size);
    if (rc != 0) throw std::runtime_error("mincore " + f.string());
    pages += in_core.size();
    for (auto c : in_core) resident += c & 1u;
  }
  return pages ? static_cast<double>(resident) / static_cast<double>(pages) : 0.0;
}

std::uint64_t direct_read_all(const std::vector<std::filesystem::path>& files) {
  constexpr std::size_t chunk = 1 << 20;
  std::unique_ptr<void, decltype(&std::free)> buffer(std::aligned_alloc(4096, chunk), &std::free);
  if (!buffer) throw std::bad_alloc();
  std::uint64_t total = 0;
  for (const auto& f : files) {
    fd_closer fd{open_or_throw(f, O_RDONLY | O_DIRECT)};
    for (off_t off = 0;;) {
      const ssize_t n = ::pread(fd.fd, buffer.get(), chunk, off);
      if (n <= 0) break;
      off += n;
      total += static_cast<std::uint64_t>(n);
    }
  }
  return total;
}

}  // namespace jetstrand::bench
