#include "page_cache_bench.hpp"

#include "bench_options.hpp"
#include "storage/page_cache.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <iostream>
#include <random>

namespace jetstrand::bench {
namespace {

using cache_type = storage::page_cache;
using clock_type = std::chrono::steady_clock;

double nanoseconds_per(clock_type::time_point t0, std::uint64_t n) {
  return std::chrono::duration<double, std::nano>(clock_type::now() - t0).count() / static_cast<double>(n);
}

void print(const char* op, std::uint64_t pages, std::size_t page_size, double ns, double hit_share) {
  boost::json::object line{{"bench", "page-cache"}, {"op", op},           {"resident_pages", pages},
                           {"page_size", page_size}, {"ns_per_op", ns}, {"hit_share", hit_share}};
  std::cout << boost::json::serialize(line) << std::endl;
}

}  // namespace

int page_cache_costs(std::span<char*> args) {
  command c("jetstrand-bench page-cache [options]",
            "The page cache alone (no reads, no writes): `hit` looks up random resident pages,\n"
            "`miss` accesses random pages over 8x the budget, making room, inserting and evicting\n"
            "on each miss, as a cold get does.");
  c.options()
      ("pages", number(16, 10'000'000)->default_value(1000, "1000"), "pages the budget holds")
      ("page-size", size(512)->default_value(8192, "8K"), "bytes per page")
      ("operations", number(1000, 1'000'000'000)->default_value(20'000'000, "20000000"), "lookups per op");
  if (!c.parse(args, std::cout)) return 0;
  const auto pages = static_cast<std::uint32_t>(c.get<long long>("pages"));
  const auto ps = static_cast<std::size_t>(c.get<std::uint64_t>("page-size"));
  const auto n = static_cast<std::uint64_t>(c.get<long long>("operations"));
  const auto charge = cache_type::charge(ps);
  std::mt19937 rng(1);

  {
    cache_type cache(pages * charge);
    for (std::uint32_t p = 0; p < pages; ++p) {
      cache.make_room(charge);
      cache.insert(1, p, cache.buffer(ps), ps, false);
    }
    std::uint64_t found = 0;
    const auto t0 = clock_type::now();
    for (std::uint64_t i = 0; i < n; ++i) found += cache.find(1, rng() % pages) != nullptr;
    print("hit", pages, ps, nanoseconds_per(t0, n), static_cast<double>(found) / static_cast<double>(n));
  }
  {
    cache_type cache(pages * charge);
    std::uint64_t hits = 0;
    const auto t0 = clock_type::now();
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto p = static_cast<std::uint32_t>(rng() % (8ull * pages));
      if (cache.find(1, p)) {
        ++hits;
        continue;
      }
      cache.make_room(charge);
      cache.insert(1, p, cache.buffer(ps), ps, false);
    }
    print("miss", pages, ps, nanoseconds_per(t0, n), static_cast<double>(hits) / static_cast<double>(n));
  }
  return 0;
}

}  // namespace jetstrand::bench
