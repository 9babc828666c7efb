#pragma once
// Option parsing shared by the benchmarks: "--name value" pairs and sizes like 64K, 100M.

#include <algorithm>
#include <cstdint>
#include <map>
#include <span>
#include <stdexcept>
#include <string>

namespace jetstrand::bench {

inline std::uint64_t parse_size(const std::string& s) {
  std::size_t pos = 0;
  auto v = std::stoull(s, &pos);
  auto unit = s.substr(pos);
  if (unit == "K" || unit == "KiB") return v << 10;
  if (unit == "M" || unit == "MiB") return v << 20;
  if (unit == "G" || unit == "GiB") return v << 30;
  if (unit.empty()) return v;
  throw std::invalid_argument("bad size '" + s + "' (use e.g. 64K, 256M, 1G)");
}

// The options given as --name value; throws for one not in `known` or missing its value.
inline std::map<std::string, std::string> parse_options(std::span<char*> args,
                                                        std::initializer_list<std::string> known) {
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help" || a == "-h") {
      out["help"] = "1";
      continue;
    }
    if (a.rfind("--", 0) != 0 || std::find(known.begin(), known.end(), a.substr(2)) == known.end()) {
      throw std::invalid_argument("unexpected argument '" + a + "'");
    }
    if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
    out[a.substr(2)] = args[++i];
  }
  return out;
}

inline std::string option(const std::map<std::string, std::string>& o, const std::string& name,
                          const std::string& fallback) {
  auto it = o.find(name);
  return it == o.end() ? fallback : it->second;
}

}  // namespace jetstrand::bench
