// peers: the backups users would otherwise pick, on the same volume, in the same run.
// For each system: fill, then the best of --passes whole backups into a fresh directory
// (throughput), then --trials backups stopped from another thread at a random moment
// within the first 80% of a whole backup's time (latency: stop call to the backup call's
// return). A trial whose backup finished before the stop is not a measurement ("missed").
#include "peers_bench.hpp"

#include "bench_options.hpp"
#include "bench_report.hpp"
#include "bench_clock.hpp"
#include "peer_system.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>
#include <unistd.h>

namespace jetstrand::bench {
namespace {

constexpr double gib = 1024.0 * 1024.0 * 1024.0;

struct settings {
  std::uint64_t volume;
  int passes;
  int trials;
  std::filesystem::path dir;
};

void measure(peer_system& p, const settings& s, report& out) {
  const auto fill_t0 = steady_ns();
  p.fill(s.volume);
  const double fill_s = static_cast<double>(steady_ns() - fill_t0) / 1e9;
  const auto to = s.dir / ("jetstrand-peers-backup-" + std::to_string(::getpid()));
  auto fresh = [&] {
    std::filesystem::remove_all(to);
    std::filesystem::create_directories(to);
  };

  double best = 0, best_s = 0;
  std::uint64_t bytes = 0;
  for (int i = 0; i < s.passes; ++i) {
    fresh();
    const auto t0 = steady_ns();
    bytes = p.backup(to);
    const double sec = static_cast<double>(steady_ns() - t0) / 1e9;
    if (static_cast<double>(bytes) / gib / sec > best) {
      best = static_cast<double>(bytes) / gib / sec;
      best_s = sec;
    }
  }

  std::mt19937 rng(5);
  std::vector<double> latencies;
  int missed = 0;
  const auto window_us = static_cast<std::uint32_t>(std::max(1.0, best_s * 0.8e6));
  for (int t = 0; t < s.trials; ++t) {
    fresh();
    auto running = p.start_backup(to);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % window_us));
    const auto t0 = steady_ns();
    running->stop();
    if (!running->wait()) {
      ++missed;
      continue;
    }
    latencies.push_back(static_cast<double>(std::max<std::int64_t>(0, running->end_ns() - t0)) / 1000.0);
  }
  std::filesystem::remove_all(to);
  const auto l = summarize(latencies);
  out.add({{"bench", "peers"},
           {"system", p.name()},
           {"copy", p.granularity()},
           {"bytes", bytes},
           {"fill_s", fill_s},
           {"gib_per_s", best},
           {"trials", latencies.size()},
           {"missed", missed},
           {"p50_us", l.p50_us},
           {"p99_us", l.p99_us},
           {"max_us", l.max_us}});
}

}  // namespace

int peers(std::span<char*> args) {
  command c("jetstrand-bench peers [options]",
            "RocksDB's BackupEngine and SQLite's online backup beside jetstrand, on the same data:\n"
            "whole backups and stopped ones.",
            "Every backup goes to a fresh directory on the same file system and is made durable as\n"
            "each system does by default. Stop latency: from the stop call, on another thread, to the\n"
            "return of the backup call (RocksDB: StopBackup() to CreateNewBackup(); SQLite: the flag\n"
            "checked between steps to sqlite3_backup_finish(); jetstrand: async_stop_backup to the\n"
            "completion of async_run_backup).");
  c.options()
      ("volume", size(1)->default_value(1ull << 30, "1G"), "data stored in each system")
      ("passes", number(1, 1000)->default_value(3, "3"), "whole backups per system, the best counts")
      ("trials", number(1, 100'000)->default_value(40, "40"), "stopped backups per system")
      ("systems",
       some_of({"jetstrand", "rocksdb", "sqlite"})
           ->default_value(std::vector<std::string>{"jetstrand", "rocksdb", "sqlite"}, "jetstrand,rocksdb,sqlite"),
       "the systems measured")
      ("sqlite-step", size(1)->default_value(64 << 10, "64K"), "bytes of pages per sqlite3_backup_step (jetstrand's chunk)");
  add_scratch_dir(c);
  add_table(c);
  if (!c.parse(args, std::cout)) return 0;
  settings s;
  s.volume = c.get<std::uint64_t>("volume");
  s.passes = static_cast<int>(c.get<long long>("passes"));
  s.trials = static_cast<int>(c.get<long long>("trials"));
  s.dir = c.get<std::string>("dir");
  const auto step = static_cast<std::size_t>(c.get<std::uint64_t>("sqlite-step"));
  const auto systems = c.get<std::vector<std::string>>("systems");
  report out(c.get<bool>("table"));
  auto wanted = [&](const char* n) { return std::find(systems.begin(), systems.end(), n) != systems.end(); };
  if (wanted("jetstrand")) measure(*make_jetstrand_peer(s.dir), s, out);
  if (wanted("rocksdb")) {
    auto p = make_rocksdb_peer(s.dir);
    if (!p) throw std::runtime_error("built without RocksDB: install librocksdb-dev and rebuild");
    measure(*p, s, out);
  }
  if (wanted("sqlite")) {
    auto p = make_sqlite_peer(s.dir, step);
    if (!p) throw std::runtime_error("built without SQLite: install libsqlite3-dev and rebuild");
    measure(*p, s, out);
  }
  return 0;
}

}  // namespace jetstrand::bench
