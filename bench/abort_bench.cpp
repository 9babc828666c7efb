#include "abort_bench.hpp"

#include "bench_args.hpp"
#include "bench_instance.hpp"

#include "jetstrand/backup/streaming_backup.hpp"
#include "jetstrand/engine.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <iostream>
#include <random>
#include <thread>

namespace jetstrand::bench {
namespace {

using clock_type = std::chrono::steady_clock;

void check(boost::system::error_code ec, const char* what) {
  if (ec) throw boost::system::system_error(ec, what);
}

}  // namespace

int abort_latency(std::span<char*> args) {
  auto o = parse_options(args, {"db-size", "chains", "trials", "buffer", "backend", "dir"});
  if (o.count("help")) {
    std::cout << "usage: jetstrand-bench abort [--db-size 64M] [--chains 1,4,16] [--trials 200]\n"
                 "                             [--buffer 8M] [--backend auto|io_uring|thread_pool] [--dir DIR]\n"
                 "Chunks are the backup default, 64 KiB.\n";
    return 0;
  }
  const auto db_size = parse_size(option(o, "db-size", "64M"));
  const int trials = std::stoi(option(o, "trials", "200"));
  const auto buffer_size = static_cast<std::size_t>(parse_size(option(o, "buffer", "8M")));
  auto kind = io::parse_backend_kind(option(o, "backend", "auto"));
  if (!kind) throw std::invalid_argument("--backend: auto, io_uring or thread_pool");
  std::vector<int> chain_counts;
  {
    std::string list = option(o, "chains", "1,4,16");
    for (std::size_t at = 0; at <= list.size();) {
      auto comma = list.find(',', at);
      chain_counts.push_back(std::stoi(list.substr(at, comma - at)));
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
  }

  bench_instance b(option(o, "dir", std::filesystem::temp_directory_path().string()), "abort", *kind);
  {
    // 1 KiB values, 256 single-put commits in flight.
    b.fill(db_size, 1024, 1, 256);
    auto& eng = b.eng();
    const auto& inst = b.inst();

    std::mt19937 rng(1);
    for (int chains : chain_counts) {
      const auto n = static_cast<std::size_t>(chains);
      std::vector<std::vector<char>> buffers(n, std::vector<char>(buffer_size));
      std::vector<double> latencies;
      std::uint64_t aborted_chains = 0;
      for (int t = 0; t < trials; ++t) {
        std::promise<boost::system::error_code> began;
        backup::async_begin_backup(inst, 0, [&](boost::system::error_code ec) { began.set_value(ec); });
        check(began.get_future().get(), "begin");
        std::vector<std::uint32_t> handles;
        for (std::size_t c = 0; c < n; ++c) {
          std::promise<std::pair<boost::system::error_code, std::uint32_t>> opened;
          backup::async_open_file(inst, "d.jdb", [&](boost::system::error_code ec, std::uint32_t h, std::uint64_t) {
            opened.set_value({ec, h});
          });
          auto [ec, h] = opened.get_future().get();
          check(ec, "open");
          handles.push_back(h);
        }
        std::atomic<std::size_t> remaining{n};
        std::atomic<std::uint64_t> aborted{0};
        clock_type::time_point last_done;
        std::promise<void> all_done;
        for (std::size_t c = 0; c < n; ++c) {
          backup::async_read_file(inst, handles[c], boost::asio::buffer(buffers[c]),
                                  [&](boost::system::error_code ec, std::size_t) {
                                    if (ec == jet_errc::backup_abort_by_server) ++aborted;
                                    if (--remaining == 0) {
                                      last_done = clock_type::now();
                                      all_done.set_value();
                                    }
                                  });
        }
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 1500));
        // The stop, from this thread (not an io thread), as a server would.
        const auto t0 = clock_type::now();
        backup::async_stop_backup(inst, [](boost::system::error_code) {});
        all_done.get_future().wait();
        if (aborted > 0 && last_done >= t0) {  // the stop caught chains in flight
          latencies.push_back(std::chrono::duration<double, std::micro>(last_done - t0).count());
          aborted_chains += aborted;
        }
        for (auto h : handles) backup::async_close_file(inst, h, [](boost::system::error_code) {});
        std::promise<void> ended;
        backup::async_end_backup(inst, backup::end_normal, [&](boost::system::error_code, backup::end_result) { ended.set_value(); });
        ended.get_future().wait();
      }
      std::sort(latencies.begin(), latencies.end());
      auto pct = [&](double p) {
        return latencies.empty() ? 0.0 : latencies[static_cast<std::size_t>(p * static_cast<double>(latencies.size() - 1))];
      };
      boost::json::object line{{"bench", "abort"},
                               {"backend", std::string(io::to_string(eng.file_backend()))},
                               {"chains", chains},
                               {"chunk", 64 * 1024},
                               {"trials", trials},
                               {"measured", latencies.size()},
                               {"aborted_chains", aborted_chains},
                               {"p50_us", pct(0.50)},
                               {"p99_us", pct(0.99)},
                               {"max_us", latencies.empty() ? 0.0 : latencies.back()}};
      std::cout << boost::json::serialize(line) << std::endl;
    }
  }
  return 0;
}

}  // namespace jetstrand::bench
