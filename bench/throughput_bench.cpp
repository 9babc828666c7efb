// throughput: what a backup costs against just reading the files. Each figure is the best
// of --passes, and its ceiling (a pread loop over the very files copied) is measured in the
// same run, right before it.
#include "throughput_bench.hpp"

#include "bench_options.hpp"
#include "bench_instance.hpp"
#include "bench_report.hpp"
#include "bench_server.hpp"
#include "cold_cache.hpp"
#include "loopback_downloads.hpp"
#include "pread_ceiling.hpp"
#include "raw_file_server.hpp"

#include "jetstrand/backup/backup_driver.hpp"
#include "wait_token.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>

namespace jetstrand::bench {
namespace {

constexpr double gib = 1024.0 * 1024.0 * 1024.0;

template <typename Pass>
double best_gib_per_s(int passes, Pass pass) {
  double best = 0;
  for (int p = 0; p < passes; ++p) {
    const auto t0 = steady_ns();
    const std::uint64_t bytes = pass();
    const double s = static_cast<double>(steady_ns() - t0) / 1e9;
    best = std::max(best, static_cast<double>(bytes) / gib / s);
  }
  return best;
}

boost::json::object line(const char* path, double got, double ceiling, double checksum_ceiling, std::uint64_t bytes) {
  return {{"bench", "throughput"},
          {"system", "jetstrand"},
          {"path", path},
          {"bytes", bytes},
          {"gib_per_s", got},
          {"ceiling_gib_per_s", ceiling},
          {"ratio", ceiling > 0 ? got / ceiling : 0.0},
          {"checksum_ceiling_gib_per_s", checksum_ceiling},
          {"checksum_ratio", checksum_ceiling > 0 ? got / checksum_ceiling : 0.0}};
}

// One whole in-process backup to a null sink; `copied` gets the files it copied. Returns
// its bytes.
std::uint64_t backup_to_null(bench_instance& bi, std::vector<std::filesystem::path>& copied) {
  backup::null_sink sink;
  auto [ec, rep] = backup::async_run_backup(bi.io().get_executor(), bi.inst(), sink, {}, test::wait).get();
  if (ec) throw boost::system::system_error(ec, "backup");
  copied.clear();
  for (const auto& f : rep.manifest.files) copied.push_back(bi.directory() / "bench" / f.relative_path());
  return rep.bytes;
}

// A backup whose files come from the disk, against reading them with O_DIRECT.
int cold_backup(bench_instance& bi, int passes, report& out) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(bi.directory() / "bench")) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  double resident_max = 0;
  std::uint64_t backup_bytes = 0;
  std::vector<std::filesystem::path> copied;
  const double cold = best_gib_per_s(passes, [&] {
    evict_from_page_cache(files);
    resident_max = std::max(resident_max, resident_fraction(files));
    return backup_bytes = backup_to_null(bi, copied);
  });
  const double direct = best_gib_per_s(passes, [&] { return direct_read_all(copied); });
  auto l = line("in-process-cold", cold, direct, 0, backup_bytes);
  l.erase("checksum_ceiling_gib_per_s");
  l.erase("checksum_ratio");
  l["resident_before_max"] = resident_max;  // the share of the files still cached when a pass began
  out.add(std::move(l));
  return 0;
}

}  // namespace

int throughput(std::span<char*> args) {
  command c("jetstrand-bench throughput [options]",
            "A full backup, in-process and over HTTP, against a pread loop over the same files.",
            R"(in-process: a full backup (every page verified, the manifest's CRC32C computed) to a
null sink; ceiling: pread of the database and logs it copied; checksum ceiling: the same
pread loop also computing a CRC32C of every page and of every file, on one thread (the
least a verified backup with a manifest does).
http: one download of the database from a server on 127.0.0.1, the body read and
dropped by one client thread; ceiling: pread of the database; loopback floor
(tcp_pread_write): the same client reading from a server thread that only preads the
database 256 KiB at a time and writes it to the socket (no HTTP stack, no page checks).)");
  c.options()
      ("db-size", size(8192)->default_value(1ull << 30, "1G"), "database size, page-cache warm")
      ("passes", number(1, 1000)->default_value(3, "3"), "best of N for every figure")
      ("cold", flag(),
       "only the in-process backup, its files dropped from the OS page cache before every pass (fdatasync + "
       "posix_fadvise DONTNEED); ceiling: an O_DIRECT read of the same files (the disk's sequential read)");
  add_scratch_dir(c);
  add_table(c);
  if (!c.parse(args, std::cout)) return 0;
  const auto db_size = c.get<std::uint64_t>("db-size");
  const auto passes = static_cast<int>(c.get<long long>("passes"));
  report out(c.get<bool>("table"));

  bench_instance bi(c.get<std::string>("dir"), "throughput",
                    io::backend_kind::automatic);
  bi.fill(db_size, 2000, 64, 4);

  if (c.get<bool>("cold")) return cold_backup(bi, passes, out);

  // In-process, whole backup.
  std::vector<std::filesystem::path> copied;
  std::uint64_t backup_bytes = 0;
  const double in_process = best_gib_per_s(passes, [&] {
    return backup_bytes = backup_to_null(bi, copied);
  });
  const double in_process_ceiling = best_gib_per_s(passes, [&] { return pread_all(copied); });
  const double in_process_checksums = best_gib_per_s(passes, [&] { return pread_and_checksum_all(copied); });
  out.add(line("in-process", in_process, in_process_ceiling, in_process_checksums, backup_bytes));

  // Over HTTP, one download.
  bench_server srv(bi);
  const auto port = srv.port();
  const std::string b = bench_server::backup;
  std::uint64_t body = 0;
  const double http = best_gib_per_s(passes, [&] {
    if (auto st = http_call(port, "POST", b); st != 201) throw std::runtime_error("begin backup: HTTP " + std::to_string(st));
    loopback_downloads d(port, b + "/files/d.jdb", 1);
    d.start();
    d.wait();
    http_call(port, "DELETE", b + "?mode=abort");
    body = d.body_bytes();
    return body;
  });
  const double http_ceiling = best_gib_per_s(passes, [&] { return pread_all({bi.database_file()}); });
  const double http_checksums = best_gib_per_s(passes, [&] { return pread_and_checksum_all({bi.database_file()}); });
  if (body != std::filesystem::file_size(bi.database_file())) throw std::runtime_error("download: short body");
  // The loopback floor: the same client, a server that only preads and writes.
  raw_file_server raw(bi.database_file());
  const double tcp_floor = best_gib_per_s(passes, [&] {
    loopback_downloads d(raw.port(), "/d.jdb", 1);
    d.start();
    d.wait();
    if (d.body_bytes() != body) throw std::runtime_error("raw download: short body");
    return d.body_bytes();
  });
  auto l = line("http", http, http_ceiling, http_checksums, body);
  l["tcp_pread_write_gib_per_s"] = tcp_floor;
  l["tcp_ratio"] = tcp_floor > 0 ? http / tcp_floor : 0.0;
  out.add(std::move(l));
  return 0;
}

}  // namespace jetstrand::bench
