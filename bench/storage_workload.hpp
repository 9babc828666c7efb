#pragma once
// The workload of `jetstrand-bench storage`, shared by every way of driving a system: the
// same keys, values, counts and report lines.

#include "latency_histogram.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <string>
#include <unistd.h>
#include <vector>

namespace jetstrand::bench {

using clock_type = std::chrono::steady_clock;

struct settings {
  std::uint64_t data_bytes;
  std::size_t cache_bytes;
  std::size_t value_size;
  std::size_t page_size;  // jetstrand's database pages
  double seconds;
  int writers;
  int readers;
  int async_callers;  // jetstrand-async: gets and scans in flight at once
  bool disk_gets = false;  // get_disk: uniform gets after the data left the OS page cache
  std::filesystem::path dir;

  // Keys the fills write: every one of them once, in fill_lazy.
  std::uint64_t keys() const { return std::max<std::uint64_t>(1, data_bytes / (16 + value_size)); }
  // get_hot's working set: the first keys in key order, their bytes a quarter of the cache,
  // so that the pages or blocks holding them fit in every system's cache. (Keys spread one
  // per leaf would make the working set the whole tree, in pages.)
  std::uint64_t hot_keys() const {
    return std::max<std::uint64_t>(1, std::min<std::uint64_t>(keys(), cache_bytes / 4 / (16 + value_size)));
  }
  // fill_lazy visits key (i * step) % keys(): scattered, each key once.
  std::uint64_t fill_step() const {
    const std::uint64_t n = keys();
    std::uint64_t step = 2654435761u % n ? 2654435761u % n : 1;
    while (std::gcd(step, n) != 1) ++step;
    return step;
  }
};

inline std::uint64_t rss_bytes() {
  std::ifstream in("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

inline std::string key_of(std::uint64_t i) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "k%015llu", static_cast<unsigned long long>(i));
  return buf;
}

inline std::string value_of(std::uint64_t i, std::size_t size) {
  std::string v(size, '\0');
  std::uint64_t x = i * 0x9E3779B97F4A7C15ull + 1;
  for (auto& c : v) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  return v;
}

inline std::uint64_t nanos_since(clock_type::time_point a) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - a).count());
}

inline void report(const std::string& system, const settings& s, const char* op, std::uint64_t ops,
                   double elapsed, const latency_histogram& lat) {
  boost::json::object line{{"bench", "storage"},
                           {"system", system},
                           {"op", op},
                           {"data_bytes", s.data_bytes},
                           {"cache_bytes", s.cache_bytes},
                           {"ops_per_s", static_cast<double>(ops) / elapsed},
                           {"p99_us", lat.percentile_us(0.99)},
                           {"rss_bytes", rss_bytes()}};
  std::cout << boost::json::serialize(line) << std::endl;
}

}  // namespace jetstrand::bench
