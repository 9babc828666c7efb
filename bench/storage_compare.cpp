// `jetstrand-bench storage`: jetstrand, RocksDB and SQLite on the same data, the same
// durability and the same cache budget. Each system runs in a child process of its own, so
// that its resident memory is its own.
#include "storage_compare.hpp"

#include "bench_options.hpp"
#include "cold_cache.hpp"
#include "kv_jetstrand_async.hpp"
#include "kv_system.hpp"
#include "storage_workload.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace jetstrand::bench {
namespace {

// Runs `threads` loops of `op(thread, n)` for the settings' seconds.
template <typename Op>
void timed(kv_system& kv, const settings& s, const char* name, int threads, Op op) {
  std::vector<latency_histogram> lats(static_cast<std::size_t>(threads));
  std::atomic<std::uint64_t> ops{0};
  const auto t0 = clock_type::now();
  const auto deadline = t0 + std::chrono::duration<double>(s.seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::uint64_t n = 0; clock_type::now() < deadline; ++n) {
        const auto a = clock_type::now();
        op(t, n);
        lats[static_cast<std::size_t>(t)].record_ns(nanos_since(a));
        ++ops;
      }
    });
  }
  for (auto& p : pool) p.join();
  const double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  latency_histogram all;
  for (const auto& l : lats) all.merge(l);
  report(kv.name(), s, name, ops, elapsed, all);
}

// Every file under dir, to push out of the OS page cache.
std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  return files;
}

void run_system(kv_system& kv, const settings& s, const std::filesystem::path& dir) {
  const std::uint64_t n = s.keys();
  // fill_lazy: every key once, in a scattered order, no sync per commit.
  {
    latency_histogram lat;
    const auto t0 = clock_type::now();
    const std::uint64_t step = s.fill_step();
    for (std::uint64_t i = 0, k = 0; i < n; ++i, k = (k + step) % n) {
      const auto a = clock_type::now();
      kv.put(key_of(k), value_of(k, s.value_size), false);
      lat.record_ns(nanos_since(a));
    }
    report(kv.name(), s, "fill_lazy", n, std::chrono::duration<double>(clock_type::now() - t0).count(), lat);
  }
  // fill_durable: concurrent writers, every commit durable, new keys.
  timed(kv, s, "fill_durable", s.writers, [&](int t, std::uint64_t i) {
    kv.put("w" + std::to_string(t) + "-" + std::to_string(i), value_of(i, s.value_size), true);
  });
  // get_hot: a working set of a quarter of the cache, read once to warm it.
  const std::uint64_t hot = s.hot_keys();
  std::string v;
  for (std::uint64_t k = 0; k < hot; ++k) kv.get(key_of(k), v);
  std::atomic<int> missing{0};
  timed(kv, s, "get_hot", s.readers, [&](int t, std::uint64_t) {
    thread_local std::mt19937_64 rng(static_cast<unsigned>(t) + 1);
    thread_local std::string out;
    if (!kv.get(key_of(rng() % hot), out)) ++missing;
  });
  // get_cold: uniform over all the data (at least 8x the cache by default).
  timed(kv, s, "get_cold", s.readers, [&](int t, std::uint64_t) {
    thread_local std::mt19937_64 rng(static_cast<unsigned>(t) + 100);
    thread_local std::string out;
    if (!kv.get(key_of(rng() % n), out)) ++missing;
  });
  // scan: 100 entries in key order from a random key.
  timed(kv, s, "scan", s.readers, [&](int t, std::uint64_t) {
    thread_local std::mt19937_64 rng(static_cast<unsigned>(t) + 200);
    kv.scan(key_of(rng() % n), 100);
  });
  if (s.disk_gets) {
    // get_disk: as get_cold, but the files were just dropped from the OS page cache, so the
    // misses read the disk (until the OS has cached the files again).
    evict_from_page_cache(files_under(dir));
    timed(kv, s, "get_disk", s.readers, [&](int t, std::uint64_t) {
      thread_local std::mt19937_64 rng(static_cast<unsigned>(t) + 300);
      thread_local std::string out;
      if (!kv.get(key_of(rng() % n), out)) ++missing;
    });
  }
  if (missing) std::cerr << kv.name() << ": " << missing << " keys not found\n";
}

std::unique_ptr<kv_system> make(const std::string& name, const std::filesystem::path& dir, const settings& s) {
  const auto cache = s.cache_bytes;
  if (name == "jetstrand") return make_jetstrand_kv(dir, cache, s.page_size);
  if (name == "rocksdb") return make_rocksdb_kv(dir, cache);
  if (name == "sqlite") return make_sqlite_kv(dir, cache);
  throw std::invalid_argument("--systems: jetstrand, rocksdb or sqlite, not " + name);
}

}  // namespace

int storage(std::span<char*> args) {
  command c("jetstrand-bench storage [options]",
            "jetstrand, RocksDB and SQLite on the same data, the same durability and the same cache\n"
            "budget, each in a child process of its own.",
            "One JSON line per system and operation: fill_lazy, fill_durable, get_hot, get_cold, scan.\n"
            "jetstrand is called as RocksDB and SQLite are, one blocking call per thread (with the\n"
            "jetstrand::blocking token); jetstrand-async as an async server calls it, from coroutines.");
  c.options()
      ("systems",
       some_of({"jetstrand", "jetstrand-async", "rocksdb", "sqlite"})
           ->default_value(std::vector<std::string>{"jetstrand", "jetstrand-async", "rocksdb", "sqlite"},
                           "jetstrand,jetstrand-async,rocksdb,sqlite"),
       "the systems measured (jetstrand-async: jetstrand called from coroutines on its own threads)")
      ("data-size", size(1)->default_value(256 << 20, "256M"), "data written by the fills")
      ("cache-size", size(256 << 10)->default_value(16 << 20, "16M"), "every system's cache budget")
      ("value-size", size(1)->default_value(100, "100"), "bytes per value")
      ("page-size",
       checked<std::uint64_t>(
           [](std::string_view t) -> std::optional<std::uint64_t> {
             const auto n = parse_size(t);
             if (!n || (*n != 4096 && *n != 8192 && *n != 16384 && *n != 32768)) return std::nullopt;
             return n;
           },
           "4K, 8K, 16K or 32K", "SIZE")
           ->default_value(8192, "8K"),
       "jetstrand's database page size (its default; RocksDB's blocks and SQLite's pages are 4K here)")
      ("seconds", seconds(0.1, 3600)->default_value(3, "3"), "how long each get and scan runs")
      ("writers", number(1, 256)->default_value(8, "8"), "concurrent writers of fill_durable")
      ("readers", number(1, 256)->default_value(2, "2"), "concurrent readers of the gets and scans")
      ("async-callers", number(1, 4096)->default_value(16, "16"),
       "gets and scans in flight at once in jetstrand-async")
      ("disk-gets", flag(), "also get_disk: get_cold's gets right after every file of the system was dropped from "
                    "the OS page cache, so that misses read the disk (not in jetstrand-async)");
  add_scratch_dir(c);
  if (!c.parse(args, std::cout)) return 0;
  settings s;
  s.data_bytes = c.get<std::uint64_t>("data-size");
  s.cache_bytes = static_cast<std::size_t>(c.get<std::uint64_t>("cache-size"));
  s.value_size = static_cast<std::size_t>(c.get<std::uint64_t>("value-size"));
  s.page_size = static_cast<std::size_t>(c.get<std::uint64_t>("page-size"));
  s.seconds = c.get<double>("seconds");
  s.writers = static_cast<int>(c.get<long long>("writers"));
  s.readers = static_cast<int>(c.get<long long>("readers"));
  s.async_callers = static_cast<int>(c.get<long long>("async-callers"));
  s.disk_gets = c.get<bool>("disk-gets");
  const auto base = std::filesystem::path(c.get<std::string>("dir")) /
                    ("jetstrand-bench-storage-" + std::to_string(::getpid()));
  int failed = 0;
  for (const auto& name : c.get<std::vector<std::string>>("systems")) {
    std::cout.flush();
    const pid_t child = ::fork();
    if (child < 0) throw std::runtime_error("fork failed");
    if (child == 0) {
      int rc = 0;
      try {
        const auto dir = base / name;
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        if (name == "jetstrand-async") {
          run_jetstrand_async(dir, s);
          std::filesystem::remove_all(dir);
          std::cout.flush();
          ::_exit(0);
        }
        auto kv = make(name, dir, s);
        if (!kv) {
          std::cerr << "jetstrand-bench storage: " << name << " is not in this build (bench/run installs it)\n";
          ::_exit(0);
        }
        run_system(*kv, s, dir);
        kv.reset();
        std::filesystem::remove_all(dir);
      } catch (const std::exception& e) {
        std::cerr << "jetstrand-bench storage " << name << ": " << e.what() << "\n";
        rc = 1;
      }
      std::cout.flush();
      ::_exit(rc);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
  }
  std::filesystem::remove_all(base);
  return failed ? 1 : 0;
}

}  // namespace jetstrand::bench
