// abort-http: the stop as an HTTP client sees it. A server on 127.0.0.1 serves one backup
// to N concurrent downloads; at a random moment a prepared connection sends
// POST …/backup/stop; latency runs from that send to the end of the last download's
// connection, read by one client thread.
#include "abort_http_bench.hpp"

#include "background_writer.hpp"
#include "bench_args.hpp"
#include "bench_instance.hpp"
#include "bench_report.hpp"
#include "bench_server.hpp"
#include "loopback_downloads.hpp"
#include "test_certificate.hpp"


#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <thread>

namespace jetstrand::bench {

int abort_http(std::span<char*> args) {
  auto o = parse_options(args, {"db-size", "downloads", "trials", "writer", "client-rcvbuf", "dir", "tls"});
  if (o.count("help")) {
    std::cout << R"(usage: jetstrand-bench abort-http [options]
  --db-size SIZE     database size, page-cache warm (default 1G)
  --downloads LIST   concurrent downloads, one run each (default 1,16)
  --trials N         stops per download count (default 200)
  --writer on|off    a writer committing throughout (default on)
  --client-rcvbuf L  client socket receive buffers, one run each: auto (the kernel's
                     autotuning) or a size (default auto,256K)
  --dir DIR          where the scratch instance goes (default the temp directory)
  --tls on|off       serve HTTPS (a self-signed certificate made for the run) and download
                     over TLS; one run each (default off; on,off measures both side by side)
  --table            a markdown table instead of JSON lines
Latency: from sending POST /v1/instances/bench/backup/stop to the end of the last
download's connection, as the client sees it. bytes_after_stop_max: the most one download
received after the send (socket buffers included): what was in flight still reaches the
client before the reset, so the client's receive buffer is part of the latency.
)";
    return 0;
  }
  const auto db_size = parse_size(option(o, "db-size", "1G"));
  const auto counts = parse_counts("downloads", option(o, "downloads", "1,16"));
  const int trials = parse_count("trials", option(o, "trials", "200"));
  const bool with_writer = option(o, "writer", "on") == "on";
  std::vector<std::pair<std::string, int>> rcvbufs;
  {
    const std::string list = option(o, "client-rcvbuf", "auto,256K") + ",";
    for (std::size_t at = 0, comma; (comma = list.find(',', at)) != std::string::npos; at = comma + 1) {
      auto item = list.substr(at, comma - at);
      rcvbufs.emplace_back(item, item == "auto" ? 0 : static_cast<int>(parse_size(item)));
    }
  }
  std::vector<bool> tls_runs;
  {
    const std::string list = option(o, "tls", "off") + ",";
    for (std::size_t at = 0, comma; (comma = list.find(',', at)) != std::string::npos; at = comma + 1) {
      auto item = list.substr(at, comma - at);
      if (item != "on" && item != "off") throw std::runtime_error("--tls: expected on, off or a list of them");
      tls_runs.push_back(item == "on");
    }
  }
  report out(o.count("table") > 0);

  bench_instance bi(option(o, "dir", std::filesystem::temp_directory_path().string()), "abort-http",
                    io::backend_kind::automatic);
  const auto keys = bi.fill(db_size, 2000, 64, 4);
  const auto certificate = test::make_test_certificate(bi.directory(), "bench", "IP:127.0.0.1");
  auto client_tls = unchecked_tls_client();
  std::optional<background_writer> writer;
  if (with_writer) writer.emplace(bi.inst(), keys, 1000);

  std::mt19937 rng(2);
  for (const bool over_tls : tls_runs) {
  bench_server srv(bi, over_tls ? certificate.certificate : std::filesystem::path{},
                   over_tls ? certificate.private_key : std::filesystem::path{});
  const auto port = srv.port();
  const std::string b = bench_server::backup;
  auto* tls = over_tls ? &client_tls : nullptr;
  for (const auto& [rcvbuf_name, rcvbuf] : rcvbufs) {
    for (int downloads : counts) {
      std::vector<double> latencies;
      std::uint64_t after_stop_max = 0;
      for (int t = 0; t < trials; ++t) {
        if (auto st = http_call(port, "POST", b, tls); st != 201) throw std::runtime_error("begin backup: HTTP " + std::to_string(st));
        loopback_downloads d(port, b + "/files/d.jdb", downloads, rcvbuf, tls);
        prepared_request stop(port, "POST", b + "/stop", tls);
        d.start();
        std::this_thread::sleep_for(std::chrono::microseconds(1000 + rng() % 4000));
        const auto t0 = steady_ns();
        d.mark_stop(t0);
        stop.send();
        d.wait();
        if (auto st = stop.status(); st != 200) throw std::runtime_error("stop: HTTP " + std::to_string(st));
        if (d.status_of_first() != 200) throw std::runtime_error("download: HTTP " + std::to_string(d.status_of_first()));
        latencies.push_back(static_cast<double>(std::max<std::int64_t>(0, d.last_end_ns() - t0)) / 1000.0);
        after_stop_max = std::max(after_stop_max, d.max_bytes_after_stop());
        http_call(port, "DELETE", b + "?mode=abort", tls);
      }
      auto l = summarize(latencies);
      out.add({{"bench", "abort-http"},
               {"system", "jetstrand"},
               {"backend", std::string(io::to_string(bi.eng().file_backend()))},
               {"tls", over_tls},
               {"downloads", downloads},
               {"client_rcvbuf", rcvbuf_name},
               {"chunk", 256 * 1024},
               {"trials", trials},
               {"p50_us", l.p50_us},
               {"p99_us", l.p99_us},
               {"max_us", l.max_us},
               {"bytes_after_stop_max", after_stop_max},
               {"writer_commits", writer ? writer->commits() : 0}});
    }
  }
  }
  writer.reset();
  return 0;
}

}  // namespace jetstrand::bench
