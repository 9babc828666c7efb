// abort-http: the stop as an HTTP client sees it. A server on 127.0.0.1 serves one backup
// to N concurrent downloads; at a random moment a prepared connection sends
// POST …/backup/stop; latency runs from that send to the end of the last download's
// connection, read by one client thread.
#include "abort_http_bench.hpp"

#include "background_writer.hpp"
#include "bench_options.hpp"
#include "bench_instance.hpp"
#include "bench_report.hpp"
#include "bench_server.hpp"
#include "loopback_downloads.hpp"
#include "test_certificate.hpp"

#include <boost/asio/post.hpp>

#include <filesystem>
#include <future>
#include <iostream>
#include <optional>
#include <random>
#include <thread>

namespace jetstrand::bench {

int abort_http(std::span<char*> args) {
  command c("jetstrand-bench abort-http [options]",
            "Stops a backup while N HTTP downloads of its database run, many times over.",
            "Latency: from sending POST /v1/instances/bench/backup/stop to the end of the last\n"
            "download's connection, as the client sees it. bytes_after_stop_max: the most one download\n"
            "received after the send (socket buffers included): what was in flight still reaches the\n"
            "client before the reset, so the client's receive buffer is part of the latency.\n"
            "server_mean_p50_us/p99_us: the server's own view, per trial the mean over its downloads of\n"
            "the stop request's arrival to the download's end (jetstrand_backup_stop_to_abort_seconds).\n"
            "strand_post_p50_us/p99_us/max_us: the server's floor, a bare post to the instance's strand made just\n"
            "before each stop, under the same downloads (a stop needs at least that hop).");
  c.options()
      ("db-size", size(8192)->default_value(1ull << 30, "1G"), "database size, page-cache warm")
      ("downloads", numbers()->default_value(std::vector<long long>{1, 16}, "1,16"),
       "concurrent downloads, one run each")
      ("trials", number(1, 1'000'000)->default_value(200, "200"), "stops per download count")
      ("writer", one_of({"on", "off"}, "on|off")->default_value("on"), "a writer committing throughout")
      ("client-rcvbuf",
       checked<std::vector<std::string>>(
           [](std::string_view text) -> std::optional<std::vector<std::string>> {
             std::vector<std::string> out;
             for (auto item : split_list(text)) {
               auto bytes = item == "auto" ? std::optional<std::uint64_t>(0) : parse_size(item);
               if (!bytes || *bytes > (1u << 30)) return std::nullopt;
               out.emplace_back(item);
             }
             return out;
           },
           "auto or a size up to 1G, or several separated by commas", "LIST")
           ->default_value(std::vector<std::string>{"auto", "256K"}, "auto,256K"),
       "client socket receive buffers, one run each: auto (the kernel's autotuning) or a size")
      ("tls", some_of({"on", "off"})->default_value(std::vector<std::string>{"off"}, "off"),
       "serve HTTPS (a self-signed certificate made for the run) and download over TLS; one run each (on,off "
       "measures both side by side)");
  add_scratch_dir(c);
  add_table(c);
  if (!c.parse(args, std::cout)) return 0;
  const auto db_size = c.get<std::uint64_t>("db-size");
  const auto counts = c.get<std::vector<long long>>("downloads");
  const auto trials = static_cast<int>(c.get<long long>("trials"));
  const bool with_writer = c.get<std::string>("writer") == "on";
  std::vector<std::pair<std::string, int>> rcvbufs;  // as given, and bytes (0: auto)
  for (const auto& item : c.get<std::vector<std::string>>("client-rcvbuf")) {
    rcvbufs.emplace_back(item, item == "auto" ? 0 : static_cast<int>(*parse_size(item)));
  }
  std::vector<bool> tls_runs;
  for (const auto& t : c.get<std::vector<std::string>>("tls")) tls_runs.push_back(t == "on");
  report out(c.get<bool>("table"));

  bench_instance bi(c.get<std::string>("dir"), "abort-http",
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
  // The server's own view: from the stop request to the end of each download it ended
  // (jetstrand_backup_stop_to_abort_seconds), its sum and count; per trial, their mean.
  auto server_stop_to_abort = [&] {
    const auto text = http_get_text(port, "/metrics", tls);
    auto number_after = [&](const std::string& name) {
      const auto at = text.find("\n" + name + " ");
      return at == std::string::npos ? 0.0 : std::stod(text.substr(at + name.size() + 2));
    };
    return std::pair{number_after("jetstrand_backup_stop_to_abort_seconds_sum"),
                     number_after("jetstrand_backup_stop_to_abort_seconds_count")};
  };
  for (const auto& [rcvbuf_name, rcvbuf] : rcvbufs) {
    for (int downloads : counts) {
      std::vector<double> latencies, server_means, strand_posts;
      std::uint64_t after_stop_max = 0;
      auto server_before = server_stop_to_abort();
      for (int t = 0; t < trials; ++t) {
        if (auto st = http_call(port, "POST", b, tls); st != 201) throw std::runtime_error("begin backup: HTTP " + std::to_string(st));
        loopback_downloads d(port, b + "/files/d.jdb", downloads, rcvbuf, tls);
        prepared_request stop(port, "POST", b + "/stop", tls);
        d.start();
        std::this_thread::sleep_for(std::chrono::microseconds(1000 + rng() % 4000));
        {
          std::promise<std::int64_t> ran;
          const auto p0 = steady_ns();
          boost::asio::post(bi.inst()->get_executor(), [&ran] { ran.set_value(steady_ns()); });
          strand_posts.push_back(static_cast<double>(ran.get_future().get() - p0) / 1000.0);
        }
        const auto t0 = steady_ns();
        d.mark_stop(t0);
        stop.send();
        d.wait();
        if (auto st = stop.status(); st != 200) throw std::runtime_error("stop: HTTP " + std::to_string(st));
        if (d.status_of_first() != 200) throw std::runtime_error("download: HTTP " + std::to_string(d.status_of_first()));
        latencies.push_back(static_cast<double>(std::max<std::int64_t>(0, d.last_end_ns() - t0)) / 1000.0);
        after_stop_max = std::max(after_stop_max, d.max_bytes_after_stop());
        http_call(port, "DELETE", b + "?mode=abort", tls);
        const auto [sum, count] = server_stop_to_abort();
        if (count > server_before.second) {
          server_means.push_back((sum - server_before.first) / (count - server_before.second) * 1e6);
        }
        server_before = {sum, count};
      }
      auto l = summarize(latencies);
      auto server = summarize(server_means);
      auto floor = summarize(strand_posts);
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
               {"server_mean_p50_us", server.p50_us},
               {"server_mean_p99_us", server.p99_us},
               {"strand_post_p50_us", floor.p50_us},
               {"strand_post_p99_us", floor.p99_us},
               {"strand_post_max_us", floor.max_us},
               {"bytes_after_stop_max", after_stop_max},
               {"writer_commits", writer ? writer->commits() : 0}});
    }
  }
  }
  writer.reset();
  return 0;
}

}  // namespace jetstrand::bench
