#include "abort_bench.hpp"

#include "bench_args.hpp"

#include "jetstrand/backup/streaming_backup.hpp"
#include "jetstrand/engine.hpp"

#include <boost/asio/executor_work_guard.hpp>
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
#include <unistd.h>

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

  auto dir = std::filesystem::path(option(o, "dir", std::filesystem::temp_directory_path().string())) /
             ("jetstrand-abort-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::vector<std::thread> runners;
  for (int i = 0; i < 2; ++i) runners.emplace_back([&] { io.run(); });
  {
    engine_options eo;
    eo.data_dir = dir;
    eo.file_backend = *kind;
    eo.storage.log_file_size = 64 << 20;
    engine eng(io.get_executor(), eo);
    std::promise<std::shared_ptr<instance>> made;
    eng.async_create_instance("bench", [&](boost::system::error_code ec, std::shared_ptr<instance> i) {
      if (ec) std::cerr << "create: " << ec.message() << "\n";
      made.set_value(i);
    });
    auto inst = made.get_future().get();
    if (!inst) return 1;
    std::promise<boost::system::error_code> p;
    inst->async_create_database("d", [&](boost::system::error_code ec) { p.set_value(ec); });
    check(p.get_future().get(), "create database");

    // Fill the database: 1 KiB values, 256 commits in flight.
    const std::string value(1024, 'v');
    for (std::uint64_t n = 0, bytes = 0; bytes < db_size;) {
      std::vector<std::future<boost::system::error_code>> batch;
      for (int i = 0; i < 256; ++i, ++n, bytes += value.size() + 16) {
        auto pr = std::make_shared<std::promise<boost::system::error_code>>();
        batch.push_back(pr->get_future());
        inst->async_put("d", "k" + std::to_string(n), value, [pr](boost::system::error_code ec) { pr->set_value(ec); });
      }
      for (auto& f : batch) check(f.get(), "commit");
    }

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
    std::promise<boost::system::error_code> down;
    eng.async_shutdown([&](boost::system::error_code ec) { down.set_value(ec); });
    down.get_future().get();
  }
  guard.reset();
  for (auto& r : runners) r.join();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace jetstrand::bench
