// foreground: what a running backup does to the writers. One writer commits single puts
// (one in flight, each durable) throughout; rounds alternate a full backup to a null sink
// with a quiet spell and a reader spell of the same length, and the commit latencies of
// each kind of spell are pooled. The reader spell is the floor: one thread reading the files
// the backup copied and checksumming them (pread + CRC32C per page and per file, the least a
// verified backup does), nothing else; what it does to the commits, any backup does.
#include "foreground_bench.hpp"

#include "background_writer.hpp"
#include "bench_options.hpp"
#include "bench_instance.hpp"
#include "bench_report.hpp"
#include "bench_clock.hpp"
#include "pread_ceiling.hpp"

#include "jetstrand/backup/backup_driver.hpp"
#include "wait_token.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <iostream>
#include <thread>

#include <sys/resource.h>

namespace jetstrand::bench {

int foreground(std::span<char*> args) {
  command c("jetstrand-bench foreground [options]",
            "Commit latency with and without a backup running, alternately.",
            "cores_busy_*: this process's CPU time over the wall time of those spells (2 = both cores).\n"
            "*_reader: spells in which one thread only preads and checksums the files the backup copied,\n"
            "in a loop, for as long as the backup took (the floor: the cost of reading the bytes at all).");
  c.options()
      ("db-size", size(8192)->default_value(1ull << 30, "1G"), "database size, page-cache warm")
      ("rounds", number(1, 1000)->default_value(5, "5"), "backups, each followed by a quiet spell and a reader spell as long")
      ("max-rate", size(0)->default_value(0, "0"), "the backups' rate limit in bytes per second (0: none)");
  add_scratch_dir(c);
  add_table(c);
  if (!c.parse(args, std::cout)) return 0;
  const auto db_size = c.get<std::uint64_t>("db-size");
  const auto rounds = static_cast<int>(c.get<long long>("rounds"));
  backup::driver_options options;
  options.max_rate = c.get<std::uint64_t>("max-rate");
  report out(c.get<bool>("table"));

  bench_instance bi(c.get<std::string>("dir"), "foreground",
                    io::backend_kind::automatic);
  const auto keys = bi.fill(db_size, 2000, 64, 4);
  std::vector<double> with, without, reader;
  double backup_s = 0, busy_with = 0, busy_without = 0, busy_reader = 0;  // CPU seconds of this process
  auto cpu_s = [] {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
  };
  // The driver's own work (the manifest CRC, the sink) runs on a thread of its own, as a host
  // would give it, not on the engine's I/O threads where it would queue ahead of commits.
  boost::asio::io_context driver_io;
  auto driver_guard = boost::asio::make_work_guard(driver_io);
  std::thread driver_thread([&] { driver_io.run(); });
  {
    background_writer writer(bi.inst(), keys, 1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // past the first commits
    writer.take_latencies_us();
    for (int r = 0; r < rounds; ++r) {
      const auto t0 = steady_ns();
      const double c0 = cpu_s();
      backup::null_sink sink;
      auto [ec, rep] = backup::async_run_backup(driver_io.get_executor(), bi.inst(), sink, options, test::wait).get();
      if (ec) throw boost::system::system_error(ec, "backup");
      const auto spell = std::chrono::nanoseconds(steady_ns() - t0);
      backup_s += static_cast<double>(spell.count()) / 1e9;
      auto w = writer.take_latencies_us();
      with.insert(with.end(), w.begin(), w.end());
      const double c1 = cpu_s();
      busy_with += c1 - c0;
      std::this_thread::sleep_for(spell);
      busy_without += cpu_s() - c1;
      auto q = writer.take_latencies_us();
      without.insert(without.end(), q.begin(), q.end());
      std::vector<std::filesystem::path> copied;
      for (const auto& f : rep.manifest.files) copied.push_back(bi.directory() / "bench" / f.relative_path());
      const double c2 = cpu_s();
      const auto reading_until = steady_ns() + spell.count();
      while (steady_ns() < reading_until) pread_and_checksum_all(copied);
      busy_reader += cpu_s() - c2;
      auto f = writer.take_latencies_us();
      reader.insert(reader.end(), f.begin(), f.end());
    }
  }
  driver_guard.reset();
  driver_thread.join();
  const auto a = summarize(without), b = summarize(with), r = summarize(reader);
  out.add({{"bench", "foreground"},
           {"system", "jetstrand"},
           {"backend", std::string(io::to_string(bi.eng().file_backend()))},
           {"rounds", rounds},
           {"max_rate", options.max_rate},
           {"backup_s", backup_s / rounds},
           {"cores_busy_without", busy_without / backup_s},
           {"cores_busy_with", busy_with / backup_s},
           {"cores_busy_reader", busy_reader / backup_s},
           {"commits_without", without.size()},
           {"commits_with", with.size()},
           {"p50_us_without", a.p50_us},
           {"p99_us_without", a.p99_us},
           {"p50_us_with", b.p50_us},
           {"p99_us_with", b.p99_us},
           {"p50_ratio", a.p50_us > 0 ? b.p50_us / a.p50_us : 0.0},
           {"p99_ratio", a.p99_us > 0 ? b.p99_us / a.p99_us : 0.0},
           {"commits_reader", reader.size()},
           {"p50_us_reader", r.p50_us},
           {"p99_us_reader", r.p99_us},
           {"p99_ratio_reader", a.p99_us > 0 ? r.p99_us / a.p99_us : 0.0}});
  return 0;
}

}  // namespace jetstrand::bench
