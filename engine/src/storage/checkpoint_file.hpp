#pragma once
// The instance's checkpoint file: the oldest log generation still needed to bring every
// attached database up to date, and the names of the attached databases. Replaced
// atomically (write a temporary, fsync, rename, fsync the directory).

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace jetstrand::storage {

struct checkpoint_state {
  std::uint32_t generation = 1;
  std::vector<std::string> databases;
};

// nullopt when there is no file (a new instance); -1022 for a damaged one.
std::optional<checkpoint_state> read_checkpoint(const std::filesystem::path& file,
                                                boost::system::error_code& ec);
boost::system::error_code write_checkpoint(const std::filesystem::path& file,
                                           const checkpoint_state& state);

}  // namespace jetstrand::storage
