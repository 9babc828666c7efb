#pragma once
// Sizes, rates and durations as people read them: "1.4 GiB", "380 MiB/s", "2m05s".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jetstrand::cli {

std::string human_bytes(std::uint64_t bytes);         // 512 B, 1.5 KiB, 12.0 MiB, 1.25 GiB
std::string human_rate(double bytes_per_second);      // human_bytes + "/s"
std::string human_duration(double seconds);           // 45s, 2m05s, 1h02m

// A size as people write one: "256M", "1G", "512KiB", "1.5G", "4096" (bytes). Units are
// powers of 1024 (K, M, G, T, with an optional "iB" or "B"). nullopt if it does not parse.
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace jetstrand::cli
