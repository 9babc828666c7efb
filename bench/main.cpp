// jetstrand-bench: one subcommand per measurement, one JSON object per result line.
#include "abort_bench.hpp"
#include "abort_http_bench.hpp"
#include "bench_report.hpp"
#include "file_read_bench.hpp"
#include "foreground_bench.hpp"
#include "peers_bench.hpp"
#include "storage_bench.hpp"
#include "storage_compare.hpp"
#include "throughput_bench.hpp"

#include <boost/json.hpp>

#include <fstream>

#include <iostream>
#include <span>
#include <string_view>

namespace {
const char* const usage = R"(usage: jetstrand-bench <measurement> [options]

measurements (each prints one JSON object per result line; --table for markdown):
  abort       stop call to the completion of the last of N in-flight read chains, in-process
  abort-http  POST …/backup/stop to the end of the last of N running HTTP downloads
  throughput  full backup (in-process and over HTTP) against a pread loop over the same files
  foreground  commit latency with and without a backup running
  peers       RocksDB's BackupEngine and SQLite's online backup beside jetstrand, same data:
              throughput and stop latency
  file-read   async file layer read throughput per backend vs a pread loop
  storage     jetstrand, RocksDB and SQLite: fills, gets hot and cold, scans, same cache
  commit      durable commits per second and latency, 1 and 8 concurrent writers
  recovery    time to recover an instance whose log holds 100 MiB past its checkpoint

  table FILE  markdown tables of a file of result lines (what bench/run writes)

'jetstrand-bench <measurement> --help' lists its options.
)";
}

// jetstrand-bench table FILE: the result lines of FILE as markdown tables.
static int render_table(std::span<char*> args) {
  if (args.size() != 1 || std::string_view(args[0]) == "--help") {
    std::cerr << "usage: jetstrand-bench table FILE   (FILE: one JSON object per line)\n";
    return args.size() == 1 ? 0 : 2;
  }
  std::ifstream in(args[0]);
  if (!in) throw std::runtime_error(std::string("cannot read ") + args[0]);
  std::vector<boost::json::object> lines;
  for (std::string l; std::getline(in, l);) {
    if (l.empty()) continue;
    lines.push_back(boost::json::parse(l).as_object());
  }
  jetstrand::bench::print_tables(std::cout, lines);
  return 0;
}

int main(int argc, char** argv) {
  std::span<char*> args(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0));
  if (args.empty()) {
    std::cerr << usage;
    return 2;
  }
  std::string_view what = args[0];
  try {
    if (what == "--help" || what == "-h") {
      std::cout << usage;
      return 0;
    }
    if (what == "file-read") return jetstrand::bench::file_read(args.subspan(1));
    if (what == "commit") return jetstrand::bench::commit(args.subspan(1));
    if (what == "storage") return jetstrand::bench::storage(args.subspan(1));
    if (what == "recovery") return jetstrand::bench::recovery(args.subspan(1));
    if (what == "abort") return jetstrand::bench::abort_latency(args.subspan(1));
    if (what == "abort-http") return jetstrand::bench::abort_http(args.subspan(1));
    if (what == "throughput") return jetstrand::bench::throughput(args.subspan(1));
    if (what == "foreground") return jetstrand::bench::foreground(args.subspan(1));
    if (what == "peers") return jetstrand::bench::peers(args.subspan(1));
    if (what == "table") return render_table(args.subspan(1));
    std::cerr << "jetstrand-bench: unknown measurement '" << what << "'\n" << usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "jetstrand-bench " << what << ": " << e.what() << "\n";
    return 1;
  }
}
