#include "http_bench.hpp"

#include "bench_args.hpp"
#include "bench_instance.hpp"

#include "jetstrand/engine.hpp"
#include "jetstrand/net/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

namespace jetstrand::bench {
namespace {

namespace http = boost::beast::http;
using clock_type = std::chrono::steady_clock;

// One blocking request on a fresh connection; the status.
unsigned call(unsigned short port, http::verb v, const std::string& target) {
  boost::asio::io_context io;
  boost::beast::tcp_stream s(io);
  s.connect({boost::asio::ip::make_address_v4("127.0.0.1"), port});
  http::request<http::empty_body> req{v, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(s, req);
  boost::beast::flat_buffer b;
  http::response<http::string_body> res;
  http::read(s, b, res);
  return res.result_int();
}

// Runs a shell command, returns its stdout.
std::string shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run: " + cmd);
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  return out;
}

double seconds_of(const std::string& cmd) {
  auto t0 = clock_type::now();
  shell(cmd);
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// A download that reads as fast as it can and notes when its connection ended.
struct reader {
  reader(unsigned short port, const std::string& target) : stream(io) {
    stream.connect({boost::asio::ip::make_address_v4("127.0.0.1"), port});
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    parser.body_limit(boost::none);
    http::read_header(stream, buffer, parser);
    length = parser.content_length().value_or(0);
  }
  void run() {
    std::vector<char> chunk(256 * 1024);
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      boost::system::error_code ec;
      http::read(stream, buffer, parser, ec);
      received += chunk.size() - parser.get().body().size;
      if (ec && ec != http::error::need_buffer) break;
    }
    ended = clock_type::now();
  }
  boost::asio::io_context io;
  boost::beast::tcp_stream stream;
  boost::beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  std::uint64_t length = 0, received = 0;
  clock_type::time_point ended;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int http_download(std::span<char*> args) {
  auto o = parse_options(args, {"db-size", "downloads", "trials", "dir"});
  if (o.count("help")) {
    std::cout << "usage: jetstrand-bench http-download [--db-size 1G] [--downloads 16] [--trials 20] [--dir DIR]\n"
                 "Serves one database of --db-size over loopback HTTP; measures curl to /dev/null\n"
                 "against cat of the same file, then the stop of --downloads running downloads.\n";
    return 0;
  }
  const auto db_size = parse_size(option(o, "db-size", "1G"));
  const int downloads = std::stoi(option(o, "downloads", "16"));
  const int trials = std::stoi(option(o, "trials", "20"));
  bench_instance bi(option(o, "dir", std::filesystem::temp_directory_path().string()), "http",
                    io::backend_kind::automatic);
  {
    // 2000-byte values, 200 to a transaction.
    bi.fill(db_size, 2000, 200, 1);
    auto& io = bi.io();
    auto& eng = bi.eng();
    const auto dir = bi.directory();

    net::server_options so;
    so.port = 0;
    net::server srv(io.get_executor(), eng, so);
    srv.start();
    const auto port = srv.local_endpoint().port();
    const std::string b = "/v1/instances/bench/backup";
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + b + "/files/d.jdb";
    const auto file = dir / "bench" / "databases" / "d.jdb";

    // Throughput: one download with curl vs cat, page cache warm for both.
    if (call(port, http::verb::post, b) != 201) throw std::runtime_error("begin failed");
    shell("cat '" + file.string() + "' > /dev/null");
    const double cat_s = seconds_of("cat '" + file.string() + "' > /dev/null");
    auto curl_out = shell("curl -s -o /dev/null -w '%{size_download} %{time_total}' " + url);
    double curl_bytes = 0, curl_s = 0;
    std::sscanf(curl_out.c_str(), "%lf %lf", &curl_bytes, &curl_s);
    call(port, http::verb::delete_, b + "?mode=abort");
    const double file_bytes = static_cast<double>(std::filesystem::file_size(file));
    boost::json::object tp{{"bench", "http-download"},
                           {"measure", "throughput"},
                           {"file_bytes", file_bytes},
                           {"curl_bytes", curl_bytes},
                           {"curl_MiB_s", curl_bytes / curl_s / 1048576.0},
                           {"cat_MiB_s", file_bytes / cat_s / 1048576.0}};
    std::cout << boost::json::serialize(tp) << std::endl;

    // Stop latency: N downloads reading flat out, POST stop, time until the last one ends.
    std::vector<double> latencies;
    int short_downloads = 0;
    for (int t = 0; t < trials; ++t) {
      if (call(port, http::verb::post, b) != 201) throw std::runtime_error("begin failed");
      std::vector<std::unique_ptr<reader>> rs;
      for (int i = 0; i < downloads; ++i) rs.push_back(std::make_unique<reader>(port, b + "/files/d.jdb"));
      std::vector<std::thread> threads;
      for (auto& r : rs) threads.emplace_back([&r] { r->run(); });
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const auto t0 = clock_type::now();
      if (call(port, http::verb::post, b + "/stop") != 200) throw std::runtime_error("stop failed");
      for (auto& th : threads) th.join();
      auto last = t0;
      for (auto& r : rs) {
        last = std::max(last, r->ended);
        if (r->received < r->length) ++short_downloads;
      }
      latencies.push_back(std::chrono::duration<double, std::micro>(last - t0).count());
      call(port, http::verb::delete_, b);
    }
    boost::json::object st{{"bench", "http-download"},
                           {"measure", "stop"},
                           {"downloads", downloads},
                           {"trials", trials},
                           {"short_downloads", short_downloads},
                           {"p50_us", percentile(latencies, 0.5)},
                           {"p99_us", percentile(latencies, 0.99)},
                           {"max_us", percentile(latencies, 1.0)}};
    std::cout << boost::json::serialize(st) << std::endl;
    srv.stop();
  }
  return 0;
}

}  // namespace jetstrand::bench
