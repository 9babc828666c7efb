#pragma once

#include <chrono>
#include <cstddef>

namespace jetstrand {

struct storage_options {
  std::size_t page_size = 8192;        // database page size: 4, 8, 16 or 32 KiB
  std::size_t log_file_size = 1 << 20;  // bytes per log generation (64 KiB to 1 GiB)
  // How often dirty pages are written back (a checkpoint) when there are any.
  std::chrono::milliseconds checkpoint_interval{1000};
};

// The largest value a database of this page size stores (a quarter of a page less its
// header, so that any leaf splits into two that fit): 2,042 bytes with 8 KiB pages.
constexpr std::size_t max_value_size(std::size_t page_size) noexcept { return (page_size - 24) / 4; }

// What an instance's storage has done, for observers and tests.
struct storage_stats {
  std::uint64_t commits = 0;
  std::uint64_t log_records = 0;
  std::uint64_t log_flushes = 0;  // below commits when group commit shares fsyncs
  std::uint64_t log_bytes = 0;
  std::uint64_t checkpoints = 0;
  std::uint64_t recovered_records = 0;  // replayed at the last open
  std::uint32_t log_generation = 0;     // where new records go
  std::uint32_t checkpoint_generation = 0;  // the oldest generation recovery needs
};

}  // namespace jetstrand
