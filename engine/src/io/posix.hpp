#pragma once
// Every blocking POSIX file call of jetstrand, in one place (as LevelDB's env_posix): EINTR
// retried and short transfers continued here, once; every error returned, never ignored.
// The asynchronous file layer (io/file.hpp) is for I/O on strands; these are for opening,
// creating and syncing, and for work that runs off any strand (verify, restore, the CLI).

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace jetstrand::io::posix {

// errno as an error_code of the system category.
boost::system::error_code last_error();

// An owned descriptor, closed by the destructor.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept;
  ~unique_fd() { reset(); }
  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept { return std::exchange(fd_, -1); }
  // Closes now; the close's error (which can report a failed write-back) is returned.
  boost::system::error_code close();
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC added.
boost::system::error_code open(const std::filesystem::path& path, int flags, unique_fd& out,
                               unsigned mode = 0644);

// Reads up to n bytes at off, stopping early only at the end of the file (`got` says how
// many arrived).
boost::system::error_code read_at(int fd, void* buf, std::size_t n, std::uint64_t off,
                                  std::size_t& got);
// Exactly n bytes at off; the end of the file first is -1022 (JET_errDiskIO).
boost::system::error_code read_exact_at(int fd, void* buf, std::size_t n, std::uint64_t off);
// Exactly n bytes at off, but only if the OS page cache holds them all: preadv2 with
// RWF_NOWAIT, which never waits for the disk (where the pages are not cached it returns at
// once, having at most started the kernel's readahead). False for anything else (not
// cached, a short read, an error): the caller then reads the ordinary way, which reports
// errors.
bool read_cached_at(int fd, void* buf, std::size_t n, std::uint64_t off) noexcept;
// Reads at the file position; 0 bytes at the end.
boost::system::error_code read_some(int fd, void* buf, std::size_t n, std::size_t& got);
boost::system::error_code write_all_at(int fd, const void* buf, std::size_t n, std::uint64_t off);
// Writes all n bytes at the file position (a short write, e.g. disk full, is an error).
boost::system::error_code write_all(int fd, const void* buf, std::size_t n);

boost::system::error_code sync(int fd);       // fsync
boost::system::error_code sync_data(int fd);  // fdatasync
// Makes the file `size` bytes long (sparse where the file system allows).
boost::system::error_code preallocate(int fd, std::uint64_t size);
// Writes zeros over [from, to): the blocks are then allocated and written, so a later
// fdatasync of data written there has no file-system metadata to commit with it. Each
// 64 KiB piece's write-back starts as soon as it is written (sync_file_range, not waited
// for), so the fsync that follows has little left to write: a log generation's 1 MiB
// written back by that fsync alone held the commit syncing meanwhile for 34-41 ms on ext4,
// 12-34 ms this way (measured 2026-12-07, jetstrand-bench foreground max_us_without).
boost::system::error_code write_zeros(int fd, std::uint64_t from, std::uint64_t to);
// fsyncs a directory, so the entries created, renamed or removed in it are durable.
boost::system::error_code sync_directory(const std::filesystem::path& dir);
// Replaces `path` with `bytes` durably: a temporary file, fsync, rename, fsync of the directory.
boost::system::error_code write_file_atomically(const std::filesystem::path& path,
                                                std::string_view bytes);
// Renames `from` to `to` unless `to` exists (EEXIST then): the name appears whole or not.
boost::system::error_code rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to);
// The whole file into `out`.
boost::system::error_code read_file(const std::filesystem::path& path, std::string& out);

}  // namespace jetstrand::io::posix
