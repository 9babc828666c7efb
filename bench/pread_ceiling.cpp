#include "pread_ceiling.hpp"

#include "bench_clock.hpp"
#include "jetstrand/crc32c.hpp"

#include <cstdio>
#include <fcntl.h>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace jetstrand::bench {

namespace {

template <typename Use>
std::uint64_t read_all(const std::vector<std::filesystem::path>& files, Use use) {
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
      use(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
  }
  return total;
}

}  // namespace

std::uint64_t pread_all(const std::vector<std::filesystem::path>& files) {
  return read_all(files, [](const char*, std::size_t) {});
}

std::uint64_t pread_and_checksum_all(const std::vector<std::filesystem::path>& files) {
  std::uint32_t sink = 0, whole = 0;
  auto n = read_all(files, [&](const char* p, std::size_t size) {
    for (std::size_t off = 0; off + 8192 <= size; off += 8192) sink ^= crc32c(p + off, 8192);
    whole = crc32c(p, size, whole);
  });
  if (sink == 0x12345678u && whole == 0x12345678u) std::fputc('\n', stderr);  // keeps the work
  return n;
}

std::uint64_t paced_pread_and_checksum(const std::vector<std::filesystem::path>& files, unsigned index,
                                       unsigned threads, double bytes_per_s, std::int64_t until_ns) {
  constexpr std::size_t chunk = 256 * 1024;
  static thread_local std::vector<char> buffer(chunk);
  std::uint32_t sink = 0;
  std::uint64_t total = 0;
  const auto start = steady_ns();
  while (steady_ns() < until_ns) {
    for (const auto& f : files) {
      const int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw std::runtime_error("cannot open " + f.string());
      for (off_t off = static_cast<off_t>(index * chunk); steady_ns() < until_ns;
           off += static_cast<off_t>(threads * chunk)) {
        const ssize_t n = ::pread(fd, buffer.data(), chunk, off);
        if (n <= 0) break;
        total += static_cast<std::uint64_t>(n);
        for (std::size_t p = 0; p + 8192 <= static_cast<std::size_t>(n); p += 8192) sink ^= crc32c(buffer.data() + p, 8192);
        sink ^= crc32c(buffer.data(), static_cast<std::size_t>(n));
        // Ahead of the pace: sleep until the bytes read so far are due.
        const auto due = start + static_cast<std::int64_t>(static_cast<double>(total) / bytes_per_s * 1e9);
        if (due > steady_ns()) std::this_thread::sleep_for(std::chrono::nanoseconds(due - steady_ns()));
      }
      ::close(fd);
    }
  }
  if (sink == 0x12345678u) std::fputc('\n', stderr);  // keeps the work
  return total;
}

}  // namespace jetstrand::bench
