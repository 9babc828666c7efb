#pragma once
// Verify and restore read a set's files in place (pages, log records). A set whose files are
// stored compressed is first expanded: a scratch copy with every file decompressed (its
// stored size and zstd frame checked on the way) and a manifest that says so. The scratch
// folder goes with the expanded_set.

#include "jetstrand/backup/manifest.hpp"

#include <boost/system/error_code.hpp>

#include <filesystem>
#include <string>

namespace jetstrand::backup {

class expanded_set {
 public:
  expanded_set() = default;
  ~expanded_set();
  expanded_set(const expanded_set&) = delete;
  expanded_set& operator=(const expanded_set&) = delete;

  // `dir` itself when nothing in it is compressed (or it has no readable manifest: the
  // checks that follow say why), else the scratch copy. On failure, `problem` names the
  // stored file and what is wrong (-1018 for damaged or truncated compressed data).
  boost::system::error_code expand(const std::filesystem::path& dir, std::string& problem);
  const std::filesystem::path& path() const noexcept { return path_; }
  bool expanded() const noexcept { return !scratch_.empty(); }

 private:
  std::filesystem::path path_, scratch_;
};

}  // namespace jetstrand::backup
