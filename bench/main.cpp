// jetstrand-bench: one subcommand per measurement, one JSON object per result line.
#include "abort_bench.hpp"
#include "abort_http_bench.hpp"
#include "bench_report.hpp"
#include "file_read_bench.hpp"
#include "foreground_bench.hpp"
#include "page_cache_bench.hpp"
#include "peers_bench.hpp"
#include "storage_bench.hpp"
#include "storage_compare.hpp"
#include "throughput_bench.hpp"

#include "command_line/command.hpp"
#include "command_line/program.hpp"

#include <boost/json.hpp>

#include <fstream>

#include <iostream>
#include <span>

// jetstrand-bench table FILE: the result lines of FILE as markdown tables.
static int render_table(std::span<char*> args) {
  jetstrand::command_line::command c("jetstrand-bench table FILE",
                                     "The result lines of FILE (one JSON object per line, what bench/run writes) as\n"
                                     "markdown tables.");
  c.takes_operands(1);
  if (!c.parse(args, std::cout)) return 0;
  if (c.operands().empty()) throw jetstrand::command_line::usage_error("which file? (jetstrand-bench table FILE)");
  std::ifstream in(c.operands().front());
  if (!in) throw std::runtime_error("cannot read " + c.operands().front());
  std::vector<boost::json::object> lines;
  for (std::string l; std::getline(in, l);) {
    if (l.empty()) continue;
    lines.push_back(boost::json::parse(l).as_object());
  }
  jetstrand::bench::print_tables(std::cout, lines);
  return 0;
}

int main(int argc, char** argv) {
  using namespace jetstrand::bench;
  const jetstrand::command_line::program bench{
      .name = "jetstrand-bench",
      .what = "measurement",
      .about = "Each prints one JSON object per result line (--table: markdown).",
      .entries = {
          {"abort", "stop call to the completion of the last of N in-flight read chains, in-process", abort_latency},
          {"abort-http", "POST .../backup/stop to the end of the last of N running HTTP downloads", abort_http},
          {"throughput", "full backup (in-process and over HTTP) against a pread loop over the same files",
           throughput},
          {"foreground", "commit latency with and without a backup running", foreground},
          {"peers",
           "RocksDB's BackupEngine and SQLite's online backup beside jetstrand, same data:\n"
           "throughput and stop latency",
           peers},
          {"file-read", "async file layer read throughput per backend vs a pread loop", file_read},
          {"storage", "jetstrand, RocksDB and SQLite: fills, gets hot and cold, scans, same cache", storage},
          {"page-cache", "the page cache alone: ns per hit, and per miss with its insert and eviction", page_cache_costs},
          {"commit", "durable commits per second and latency, 1 and 8 concurrent writers", commit},
          {"recovery", "time to recover an instance whose log holds 100 MiB past its checkpoint", recovery},
          {"table", "markdown tables of a file of result lines (what bench/run writes)", render_table},
      },
      .notes = {},
      .version = {},
  };
  return bench.run(std::span<char*>(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0)));
}
