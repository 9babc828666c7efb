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

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::size_t i = 0;
  double number = 0;
  bool digits = false, fraction = false;
  double scale = 1;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits = true;
      if (fraction) {
        scale /= 10;
        number += (c - '0') * scale;
      } else {
        number = number * 10 + (c - '0');
      }
    } else if (c == '.' && !fraction) {
      fraction = true;
    } else {
      break;
    }
  }
  if (!digits) return std::nullopt;
  auto unit = text.substr(i);
  double multiplier = 1;
  if (!unit.empty()) {
    switch (unit.front()) {
      case 'k': case 'K': multiplier = 1024.0; break;
      case 'm': case 'M': multiplier = 1024.0 * 1024; break;
      case 'g': case 'G': multiplier = 1024.0 * 1024 * 1024; break;
      case 't': case 'T': multiplier = 1024.0 * 1024 * 1024 * 1024; break;
      case 'b': case 'B': multiplier = 1; break;
      default: return std::nullopt;
    }
    auto rest = unit.substr(1);
    if (unit.front() == 'b' || unit.front() == 'B') {
      if (!rest.empty()) return std::nullopt;
    } else if (!rest.empty() && rest != "B" && rest != "iB" && rest != "b" && rest != "ib") {
      return std::nullopt;
    }
  }
  const double bytes = number * multiplier;
  if (bytes >= 18446744073709551615.0 || (fraction && multiplier == 1 && bytes != static_cast<double>(static_cast<std::uint64_t>(bytes)))) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(bytes);
}

}  // namespace jetstrand::cli
