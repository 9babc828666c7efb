#pragma once
// The ceiling every copy is measured against: a plain pread loop over the same files,
// 1 MiB at a time, page cache warm, nothing done with the bytes.

#include <cstdint>
#include <filesystem>
#include <vector>

namespace jetstrand::bench {

// Reads every file once; returns the bytes read (throws if a file cannot be opened).
std::uint64_t pread_all(const std::vector<std::filesystem::path>& files);

// The same, plus the least a verified backup does with the bytes on one thread: a CRC32C of
// every 8 KiB page (the page check) and one over the whole file (the manifest's).
std::uint64_t pread_and_checksum_all(const std::vector<std::filesystem::path>& files);

}  // namespace jetstrand::bench
