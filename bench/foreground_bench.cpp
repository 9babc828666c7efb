// foreground: what a running backup does to the writers. One writer commits single puts
// (one in flight, each durable) throughout; rounds alternate a full backup to a null sink
// with a quiet spell of the same length, and the commit latencies of each kind of spell
// are pooled.
#include "foreground_bench.hpp"

#include "background_writer.hpp"
#include "bench_options.hpp"
#include "bench_instance.hpp"
#include "bench_report.hpp"
#include "bench_clock.hpp"

#include "jetstrand/backup/backup_driver.hpp"
#include "wait_token.hpp"

#include <filesystem>
#include <iostream>
#include <thread>

#include <sys/resource.h>

namespace jetstrand::bench {

int foreground(std::span<char*> args) {
  command c("jetstrand-bench foreground [options]",
            "Commit latency with and without a backup running, alternately.",
            "cores_busy_*: this process's CPU time over the wall time of those spells (2 = both cores).");
  c.options()
      ("db-size", size(8192)->default_value(1ull << 30, "1G"), "database size, page-cache warm")
      ("rounds", number(1, 1000)->default_value(5, "5"), "backups, each followed by a quiet spell as long");
  add_scratch_dir(c);
  add_table(c);
  if (!c.parse(args, std::cout)) return 0;
  const auto db_size = c.get<std::uint64_t>("db-size");
  const auto rounds = static_cast<int>(c.get<long long>("rounds"));
  report out(c.get<bool>("table"));

  bench_instance bi(c.get<std::string>("dir"), "foreground",
                    io::backend_kind::automatic);
  const auto keys = bi.fill(db_size, 2000, 64, 4);
  std::vector<double> with, without;
  double backup_s = 0, busy_with = 0, busy_without = 0;  // CPU seconds of this process
  auto cpu_s = [] {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
  };
  {
    background_writer writer(bi.inst(), keys, 1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // past the first commits
    writer.take_latencies_us();
    for (int r = 0; r < rounds; ++r) {
      const auto t0 = steady_ns();
      const double c0 = cpu_s();
      backup::null_sink sink;
      auto [ec, rep] = backup::async_run_backup(bi.io().get_executor(), bi.inst(), sink, {}, test::wait).get();
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
    }
  }
  const auto a = summarize(without), b = summarize(with);
  out.add({{"bench", "foreground"},
           {"system", "jetstrand"},
           {"backend", std::string(io::to_string(bi.eng().file_backend()))},
           {"rounds", rounds},
           {"backup_s", backup_s / rounds},
           {"cores_busy_without", busy_without / backup_s},
           {"cores_busy_with", busy_with / backup_s},
           {"commits_without", without.size()},
           {"commits_with", with.size()},
           {"p50_us_without", a.p50_us},
           {"p99_us_without", a.p99_us},
           {"p50_us_with", b.p50_us},
           {"p99_us_with", b.p99_us},
           {"p50_ratio", a.p50_us > 0 ? b.p50_us / a.p50_us : 0.0},
           {"p99_ratio", a.p99_us > 0 ? b.p99_us / a.p99_us : 0.0}});
  return 0;
}

}  // namespace jetstrand::bench
