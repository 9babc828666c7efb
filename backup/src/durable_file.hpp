#pragma once
// Copying a file so that it survives a crash once copied (restore assembles instances this
// way). The POSIX calls themselves are io/posix.hpp's.

#include <boost/system/error_code.hpp>

#include <filesystem>

namespace jetstrand::backup::detail {

// Copies `from` to the new file `to` (which must not exist) and fdatasyncs it.
boost::system::error_code copy_file_durably(const std::filesystem::path& from,
                                            const std::filesystem::path& to);

}  // namespace jetstrand::backup::detail
