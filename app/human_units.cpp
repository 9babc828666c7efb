#include "human_units.hpp"

#include <cstdio>

namespace jetstrand::cli {

std::string human_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static const char* const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes) / 1024.0;
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char out[32];
  std::snprintf(out, sizeof out, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
  return out;
}

std::string human_rate(double bytes_per_second) {
  if (bytes_per_second < 0) bytes_per_second = 0;
  return human_bytes(static_cast<std::uint64_t>(bytes_per_second)) + "/s";
}

std::string human_duration(double seconds) {
  if (seconds < 0) seconds = 0;
  const auto s = static_cast<long long>(seconds + 0.5);
  char out[32];
  if (s < 60) {
    std::snprintf(out, sizeof out, "%llds", s);
  } else if (s < 3600) {
    std::snprintf(out, sizeof out, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(out, sizeof out, "%lldh%02lldm", s / 3600, s % 3600 / 60);
  }
  return out;
}

}  // namespace jetstrand::cli
