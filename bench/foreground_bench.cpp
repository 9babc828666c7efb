// foreground: what a running backup does to the writers. One writer commits single puts
// (one in flight, each durable) throughout; rounds alternate a full backup to a null sink
// with a quiet spell and two floor spells, and the commit latencies of each kind of spell
// are pooled. The backup's commits are also split by its phase (the begin and its
// checkpoint, the copy of the databases, the logs), so a miss can be placed.
// The floors do the least any verified backup does, nothing else; what they do to the
// commits, any backup does:
// - reader: one thread reading the files the backup copied and checksumming them (pread +
//   CRC32C per page and per file) as fast as it can, for as long as the backup took;
// - paced: two threads sharing that work chunk by chunk (256 KiB, as the backup's reads) at
//   the backup's own copy rate, for as long as its copy of the databases took, as a backup
//   that spreads its checks over the cores does.
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
            "max_us_*: the slowest commit of those spells (a stall shows here before it reaches p99).\n"
            "*_begin, *_copy, *_logs: the backup's commits by phase (until its first 4 MiB were copied,\n"
            "until its last database bytes were, until it ended); *_s: each phase's mean length.\n"
            "*_reader: spells in which one thread only preads and checksums the files the backup copied,\n"
            "in a loop, for as long as the backup took (the floor: the cost of reading the bytes at all).\n"
            "*_paced: spells in which two threads share that work, 256 KiB at a time, at the backup's own\n"
            "copy rate (copy_gib_per_s), for as long as its copy took (compare with *_copy).");
  c.options()
      ("db-size", size(8192)->default_value(1ull << 30, "1G"), "database size, page-cache warm")
      ("rounds", number(1, 1000)->default_value(5, "5"), "backups, each followed by a quiet spell and the floors' spells")
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
  std::vector<double> with, without, reader, paced;
  std::vector<double> by_phase[3];  // the backup's commits: begin, copy, logs
  double phase_s[3] = {0, 0, 0};
  double copied_bytes = 0;
  double backup_s = 0, busy_with = 0, busy_without = 0, busy_reader = 0, busy_paced = 0;  // CPU seconds of this process
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
      // On the driver's thread, after each buffer: when the copy of the databases began and ended.
      std::int64_t copy_from = 0, copy_to = 0;
      std::uint64_t bytes_from = 0, bytes_to = 0;
      options.progress = [&](const backup::backup_progress& p) {
        if (p.kind != backup::backup_file_kind::database) return;
        if (!copy_from) copy_from = steady_ns(), bytes_from = p.bytes_done;
        copy_to = steady_ns(), bytes_to = p.bytes_done;
      };
      auto [ec, rep] = backup::async_run_backup(driver_io.get_executor(), bi.inst(), sink, options, test::wait).get();
      if (ec) throw boost::system::system_error(ec, "backup");
      const auto t1 = steady_ns();
      const auto spell = std::chrono::nanoseconds(t1 - t0);
      backup_s += static_cast<double>(spell.count()) / 1e9;
      if (!copy_from) copy_from = copy_to = t1;  // nothing copied (no database): all begin
      for (const auto& [end, us] : writer.take_timed_latencies()) {
        with.push_back(us);
        by_phase[end < copy_from ? 0 : end < copy_to ? 1 : 2].push_back(us);
      }
      phase_s[0] += static_cast<double>(copy_from - t0) / 1e9;
      phase_s[1] += static_cast<double>(copy_to - copy_from) / 1e9;
      phase_s[2] += static_cast<double>(t1 - copy_to) / 1e9;
      copied_bytes += static_cast<double>(bytes_to - bytes_from);
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
      const double copy_rate =
          copy_to > copy_from ? static_cast<double>(bytes_to - bytes_from) / (static_cast<double>(copy_to - copy_from) / 1e9) : 1.0;
      const double c3 = cpu_s();
      const auto pacing_until = steady_ns() + (copy_to - copy_from);
      std::thread second([&] { paced_pread_and_checksum(copied, 1, 2, copy_rate / 2, pacing_until); });
      paced_pread_and_checksum(copied, 0, 2, copy_rate / 2, pacing_until);
      second.join();
      busy_paced += cpu_s() - c3;
      auto g = writer.take_latencies_us();
      paced.insert(paced.end(), g.begin(), g.end());
    }
    options.progress = nullptr;  // it refers to the last round's counters
  }
  driver_guard.reset();
  driver_thread.join();
  const auto a = summarize(without), b = summarize(with), r = summarize(reader), pc = summarize(paced);
  const auto ph0 = summarize(by_phase[0]), ph1 = summarize(by_phase[1]), ph2 = summarize(by_phase[2]);
  auto ratio = [](double x, double y) { return y > 0 ? x / y : 0.0; };
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
           {"max_us_without", a.max_us},
           {"max_us_with", b.max_us},
           {"p50_ratio", a.p50_us > 0 ? b.p50_us / a.p50_us : 0.0},
           {"p99_ratio", a.p99_us > 0 ? b.p99_us / a.p99_us : 0.0},
           {"commits_reader", reader.size()},
           {"p50_us_reader", r.p50_us},
           {"p99_us_reader", r.p99_us},
           {"max_us_reader", r.max_us},
           {"p99_ratio_reader", ratio(r.p99_us, a.p99_us)},
           {"begin_s", phase_s[0] / rounds},
           {"copy_s", phase_s[1] / rounds},
           {"logs_s", phase_s[2] / rounds},
           {"copy_gib_per_s", phase_s[1] > 0 ? copied_bytes / phase_s[1] / (1ull << 30) : 0.0},
           {"commits_begin", by_phase[0].size()},
           {"p50_us_begin", ph0.p50_us},
           {"p99_us_begin", ph0.p99_us},
           {"commits_copy", by_phase[1].size()},
           {"p50_us_copy", ph1.p50_us},
           {"p99_us_copy", ph1.p99_us},
           {"p99_ratio_copy", ratio(ph1.p99_us, a.p99_us)},
           {"commits_logs", by_phase[2].size()},
           {"p50_us_logs", ph2.p50_us},
           {"p99_us_logs", ph2.p99_us},
           {"cores_busy_paced", phase_s[1] > 0 ? busy_paced / phase_s[1] : 0.0},
           {"commits_paced", paced.size()},
           {"p50_us_paced", pc.p50_us},
           {"p99_us_paced", pc.p99_us},
           {"max_us_paced", pc.max_us},
           {"p99_ratio_paced", ratio(pc.p99_us, a.p99_us)}});
  return 0;
}

}  // namespace jetstrand::bench
