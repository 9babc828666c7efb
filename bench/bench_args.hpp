#pragma once
// Option parsing shared by the benchmarks: "--name value" pairs, the flag --table, sizes
// like 64K or 100M, and lists like 1,4,16.

#include <algorithm>
#include <cstdint>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace jetstrand::bench {

inline std::uint64_t parse_size(const std::string& s) {
  std::size_t pos = 0;
  std::uint64_t v = 0;
  try {
    v = std::stoull(s, &pos);
  } catch (const std::exception&) {
    throw std::invalid_argument("bad size '" + s + "' (use e.g. 64K, 256M, 1G)");
  }
  auto unit = s.substr(pos);
  if (unit == "K" || unit == "KiB") return v << 10;
  if (unit == "M" || unit == "MiB") return v << 20;
  if (unit == "G" || unit == "GiB") return v << 30;
  if (unit.empty()) return v;
  throw std::invalid_argument("bad size '" + s + "' (use e.g. 64K, 256M, 1G)");
}

inline int parse_count(const std::string& name, const std::string& s) {
  std::size_t pos = 0;
  int v = 0;
  try {
    v = std::stoi(s, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos != s.size() || v <= 0) throw std::invalid_argument("--" + name + ": a positive number, not '" + s + "'");
  return v;
}

// "1,4,16" -> {1, 4, 16}.
inline std::vector<int> parse_counts(const std::string& name, const std::string& list) {
  std::vector<int> out;
  for (std::size_t at = 0; at <= list.size();) {
    auto comma = list.find(',', at);
    out.push_back(parse_count(name, list.substr(at, comma == std::string::npos ? std::string::npos : comma - at)));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

// The options given as --name value (and the flags --help, --table and, where `known` lists
// it, --cold, as "1"); throws for one not in `known` or missing its value.
inline std::map<std::string, std::string> parse_options(std::span<char*> args,
                                                        std::initializer_list<std::string> known) {
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help" || a == "-h") {
      out["help"] = "1";
      continue;
    }
    if (a == "--table" || (a == "--cold" && std::find(known.begin(), known.end(), "cold") != known.end())) {
      out[a.substr(2)] = "1";
      continue;
    }
    if (a.rfind("--", 0) != 0 || std::find(known.begin(), known.end(), a.substr(2)) == known.end()) {
      throw std::invalid_argument("unexpected argument '" + a + "' (see --help)");
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
