#pragma once
// Small POSIX helpers for files that must survive a crash once written: every write is
// complete, and what is said to be durable has been fsynced, directory entry included.

#include <boost/system/error_code.hpp>

#include <filesystem>
#include <string_view>

namespace jetstrand::backup::detail {

boost::system::error_code last_system_error();
boost::system::error_code write_all(int fd, const void* data, std::size_t size);
boost::system::error_code sync_directory(const std::filesystem::path& dir);
// Replaces `path` with `text`: temporary file, fsync, rename, fsync the directory.
boost::system::error_code write_file_atomically(const std::filesystem::path& path,
                                                std::string_view text);
// Copies `from` to the new file `to` (which must not exist) and fsyncs it.
boost::system::error_code copy_file_durably(const std::filesystem::path& from,
                                            const std::filesystem::path& to);

}  // namespace jetstrand::backup::detail
