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

// The same work as a backup spreads it over the cores: one of `threads` threads (this one is
// `index`) reading every `threads`-th 256 KiB chunk of the files, with a CRC32C of every page
// and one of the chunk (its share of the manifest's), at no more than `bytes_per_s` for this
// thread, sleeping between chunks to keep that pace, over the files again and again until
// `until_ns` (steady_ns). Returns the bytes read.
std::uint64_t paced_pread_and_checksum(const std::vector<std::filesystem::path>& files, unsigned index,
                                       unsigned threads, double bytes_per_s, std::int64_t until_ns);

}  // namespace jetstrand::bench
