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

// The largest value stored: 64 MiB. A value whose key and value together take up to about a
// quarter page lives in the tree's leaves; longer ones in runs of overflow pages that a read streams from disk (so a value
// need not fit in the page cache).
inline constexpr std::size_t max_value_size = 64u << 20;
// Keys are 1 to 255 bytes of any value.
inline constexpr std::size_t max_key_size = 255;

// What an instance's storage has done, for observers and tests.
struct storage_stats {
  std::uint64_t commits = 0;
  std::uint64_t log_records = 0;
  std::uint64_t log_flushes = 0;  // fdatasyncs: below commits under group commit and lazy commits
  // Record writes: lazy commits are written in batches of up to 64 KiB (or when something
  // is written or synced anyway, or by the one-second timer), not one write each.
  std::uint64_t log_writes = 0;
  std::uint64_t log_bytes = 0;
  std::uint64_t checkpoints = 0;
  // Dirty leaves written between checkpoints so the cache could evict them (no sync): see
  // the README's Storage section.
  std::uint64_t spilled_pages = 0;
  std::uint64_t recovered_records = 0;  // replayed at the last open
  std::uint32_t log_generation = 0;     // where new records go
  std::uint32_t checkpoint_generation = 0;  // the oldest generation recovery needs
  // The log makes its next generation ahead, on the file layer's threads, so that a roll
  // only renames it: true while that file is being made and synced (and its completion has
  // yet to come to the instance's strand).
  bool log_making_next_generation = false;
  // The page cache (the instance's share of engine_options::cache_size).
  std::uint64_t cache_budget = 0;
  std::uint64_t cache_bytes = 0;       // pages held now, each charged its size + bookkeeping
  std::uint64_t cache_peak_bytes = 0;  // the most ever held
  std::uint64_t cache_hits = 0;
  std::uint64_t cache_misses = 0;
  std::uint64_t cache_evictions = 0;
  // How misses were read. A miss whose page the OS page cache holds is copied at once, on
  // the strand (preadv2 RWF_NOWAIT, which never waits for the disk); any other goes
  // through the asynchronous file layer while the strand serves other work. A get made with
  // jetstrand::blocking reads its misses on the calling thread, off the strand, while the
  // strand serves other work: counted as waited, when the page lands in the cache (for a
  // get answered from the page on its thread, at the next call on that database).
  std::uint64_t cache_reads_os_cached = 0;
  std::uint64_t cache_reads_waited = 0;
};

}  // namespace jetstrand
