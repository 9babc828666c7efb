#pragma once
// Dropping a file from the OS page cache, so that the next reads of it wait for the disk.

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <filesystem>
#include <linux/magic.h>
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

}  // namespace jetstrand::test
