#pragma once
// Cold-cache runs: files pushed out of the OS page cache before a pass, and the disk's own
// ceiling for reading them (O_DIRECT, which bypasses the page cache).

#include <cstdint>
#include <filesystem>
#include <vector>

namespace jetstrand::bench {

// Writes back and drops the files' pages from the page cache (fdatasync, then
// posix_fadvise DONTNEED: only clean pages can be dropped). Throws if a file cannot be opened.
void evict_from_page_cache(const std::vector<std::filesystem::path>& files);

// The fraction of the files' pages in the page cache now (mincore), 0..1.
double resident_fraction(const std::vector<std::filesystem::path>& files);

// Reads every file once with O_DIRECT, 1 MiB at a time; returns the bytes read.
std::uint64_t direct_read_all(const std::vector<std::filesystem::path>& files);

}  // namespace jetstrand::bench
