#pragma once
// Sizes, rates and durations as people read them: "1.4 GiB", "380 MiB/s", "2m05s".

#include <cstdint>
#include <string>

namespace jetstrand::cli {

std::string human_bytes(std::uint64_t bytes);         // 512 B, 1.5 KiB, 12.0 MiB, 1.25 GiB
std::string human_rate(double bytes_per_second);      // human_bytes + "/s"
std::string human_duration(double seconds);           // 45s, 2m05s, 1h02m

}  // namespace jetstrand::cli
