#pragma once
// Dropping a file from the OS page cache, so that the next reads of it wait for the disk.

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <filesystem>
#include <vector>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

namespace jetstrand::test {

// Writes the file back and drops its pages from the OS page cache. False where the file
// system keeps its files in memory (tmpfs, ramfs): there nothing can be dropped.
inline bool drop_os_cache(const std::filesystem::path& file) {
  struct statfs fs {};
  BOOST_TEST_REQUIRE(::statfs(file.c_str(), &fs) == 0);
  if (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC) return false;
  const int fd = ::open(file.c_str(), O_RDONLY);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST(::fdatasync(fd) == 0);
  BOOST_TEST(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
  ::close(fd);
  return true;
}

// True if any page of [offset, offset + length) of the file is in the OS page cache
// (mincore on a mapping, which reads nothing in).
inline bool os_cached(const std::filesystem::path& file, std::size_t offset, std::size_t length) {
  const int fd = ::open(file.c_str(), O_RDONLY);
  BOOST_TEST_REQUIRE(fd >= 0);
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t start = offset / page * page;
  const std::size_t span = offset + length - start;
  void* map = ::mmap(nullptr, span, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(start));
  ::close(fd);
  BOOST_TEST_REQUIRE(map != MAP_FAILED);
  std::vector<unsigned char> resident((span + page - 1) / page);
  const bool ok = ::mincore(map, span, resident.data()) == 0;
  ::munmap(map, span);
  BOOST_TEST_REQUIRE(ok);
  for (auto r : resident) {
    if (r & 1) return true;
  }
  return false;
}

}  // namespace jetstrand::test
