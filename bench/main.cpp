// jetstrand-bench: one subcommand per measurement, one JSON object per result line.
#include "abort_bench.hpp"
#include "file_read_bench.hpp"
#include "http_bench.hpp"
#include "storage_bench.hpp"

#include <iostream>
#include <span>
#include <string_view>

namespace {
const char* const usage = R"(usage: jetstrand-bench <measurement> [options]

measurements:
  file-read   async file layer read throughput per backend vs a pread loop
  commit      durable commits per second and latency, 1 and 8 concurrent writers
  recovery    time to recover an instance whose log holds 100 MiB past its checkpoint
  abort       stop-to-last-chain-completion latency of in-flight backup reads (in-process)
  http-download  backup download throughput over loopback (curl vs cat), and the time from
              POST …/backup/stop to the end of the last of N running downloads

'jetstrand-bench <measurement> --help' lists its options.
)";
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
    if (what == "recovery") return jetstrand::bench::recovery(args.subspan(1));
    if (what == "abort") return jetstrand::bench::abort_latency(args.subspan(1));
    if (what == "http-download") return jetstrand::bench::http_download(args.subspan(1));
    std::cerr << "jetstrand-bench: unknown measurement '" << what << "'\n" << usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "jetstrand-bench " << what << ": " << e.what() << "\n";
    return 1;
  }
}
