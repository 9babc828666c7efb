#include "storage_bench.hpp"

#include "bench_options.hpp"

#include "jetstrand/engine.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace jetstrand::bench {
namespace {

using clock_type = std::chrono::steady_clock;

// An engine over a scratch directory, run by `threads` threads; removed at the end.
struct scratch_engine {
  scratch_engine(const std::filesystem::path& base, io::backend_kind kind, int threads,
                 std::chrono::milliseconds checkpoint_every)
      : dir(base / ("jetstrand-bench-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir);
    engine_options o;
    o.data_dir = dir;
    o.file_backend = kind;
    o.storage.log_file_size = 16 << 20;
    o.storage.checkpoint_interval = checkpoint_every;
    options = o;
    for (int i = 0; i < threads; ++i) runners.emplace_back([this] { io.run(); });
    eng = std::make_unique<engine>(io.get_executor(), o);
  }
  ~scratch_engine() {
    std::promise<void> done;
    eng->async_shutdown([&](boost::system::error_code) { done.set_value(); });
    done.get_future().wait();
    eng.reset();
    guard.reset();
    for (auto& t : runners) t.join();
    std::filesystem::remove_all(dir);
  }
  std::shared_ptr<instance> open(const std::string& name) {
    std::promise<std::pair<boost::system::error_code, std::shared_ptr<instance>>> p;
    eng->async_create_instance(name, [&](boost::system::error_code ec, std::shared_ptr<instance> i) {
      p.set_value({ec, i});
    });
    auto [ec, inst] = p.get_future().get();
    if (ec) throw boost::system::system_error(ec, "open instance " + name);
    return inst;
  }
  static void check(boost::system::error_code ec, const char* what) {
    if (ec) throw boost::system::system_error(ec, what);
  }

  std::filesystem::path dir;
  engine_options options;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard =
      boost::asio::make_work_guard(io);
  std::vector<std::thread> runners;
  std::unique_ptr<engine> eng;
};

// --backend and --dir, shared by commit and recovery.
void add_engine_options(command& c) {
  c.options()("backend", one_of({"auto", "io_uring", "thread_pool"}, "KIND")->default_value("auto"), "the file backend");
  add_scratch_dir(c);
}

io::backend_kind backend_option(const command& c) { return *io::parse_backend_kind(c.get<std::string>("backend")); }

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// Runs `writers` loops, each keeping one commit in flight, for `seconds`.
void run_commits(instance& inst, int writers, double seconds, std::size_t value_size,
                 std::vector<double>& latencies_us, std::uint64_t& commits) {
  std::mutex mutex;
  std::condition_variable cv;
  std::atomic<bool> stop{false};
  int running = writers;
  auto deadline = clock_type::now() + std::chrono::duration<double>(seconds);
  std::string value(value_size, 'v');
  std::vector<std::function<void(long)>> loops(static_cast<std::size_t>(writers));
  for (int w = 0; w < writers; ++w) {
    loops[static_cast<std::size_t>(w)] = [&, w](long n) {
      if (stop || clock_type::now() > deadline) {
        std::lock_guard lock(mutex);
        if (--running == 0) cv.notify_all();
        return;
      }
      auto t0 = clock_type::now();
      inst.async_put("d", "w" + std::to_string(w) + "-" + std::to_string(n), value,
                     [&, w, n, t0](boost::system::error_code ec) {
                       if (ec) {
                         std::cerr << "commit failed: " << ec.message() << "\n";
                         stop = true;
                       }
                       {
                         std::lock_guard lock(mutex);
                         latencies_us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
                         ++commits;
                       }
                       loops[static_cast<std::size_t>(w)](n + 1);
                     });
    };
  }
  for (int w = 0; w < writers; ++w) loops[static_cast<std::size_t>(w)](0);
  std::unique_lock lock(mutex);
  cv.wait(lock, [&] { return running == 0; });
}

}  // namespace

int commit(std::span<char*> args) {
  command c("jetstrand-bench commit [options]", "Durable commits per second and their latency.");
  c.options()
      ("writers", numbers()->default_value(std::vector<long long>{1, 8}, "1,8"), "concurrent writers, one run each")
      ("seconds", seconds(0.1, 3600)->default_value(3, "3"), "how long each run commits")
      ("value-size", size(1)->default_value(100, "100"), "bytes per value");
  add_engine_options(c);
  if (!c.parse(args, std::cout)) return 0;
  const double run_seconds = c.get<double>("seconds");
  const auto value_size = static_cast<std::size_t>(c.get<std::uint64_t>("value-size"));
  for (long long writers : c.get<std::vector<long long>>("writers")) {
    scratch_engine s(c.get<std::string>("dir"), backend_option(c), 2, std::chrono::milliseconds(1000));
    auto inst = s.open("bench");
    std::promise<boost::system::error_code> made;
    inst->async_create_database("d", [&](boost::system::error_code ec) { made.set_value(ec); });
    scratch_engine::check(made.get_future().get(), "create database");
    std::vector<double> lat;
    std::uint64_t commits = 0;
    auto t0 = clock_type::now();
    run_commits(*inst, static_cast<int>(writers), run_seconds, value_size, lat, commits);
    double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
    std::promise<storage_stats> st;
    inst->async_stats([&](boost::system::error_code, storage_stats x) { st.set_value(x); });
    auto stats = st.get_future().get();
    boost::json::object line{{"bench", "commit"},
                             {"backend", std::string(io::to_string(s.eng->file_backend()))},
                             {"writers", writers},
                             {"value_size", value_size},
                             {"commits", commits},
                             {"commits_per_s", static_cast<double>(commits) / elapsed},
                             {"commits_per_flush", static_cast<double>(stats.log_records) /
                                                       static_cast<double>(std::max<std::uint64_t>(1, stats.log_flushes))},
                             {"p50_us", percentile(lat, 0.50)},
                             {"p99_us", percentile(lat, 0.99)}};
    std::cout << boost::json::serialize(line) << std::endl;
  }
  return 0;
}

int recovery(std::span<char*> args) {
  command c("jetstrand-bench recovery [options]",
            "Time to recover an instance whose log holds --log-size past its checkpoint.");
  c.options()
      ("log-size", size(1)->default_value(100 << 20, "100M"), "log written after the checkpoint")
      ("value-size", size(1)->default_value(1024, "1K"), "bytes per value");
  add_engine_options(c);
  if (!c.parse(args, std::cout)) return 0;
  const std::uint64_t log_size = c.get<std::uint64_t>("log-size");
  const auto value_size = static_cast<std::size_t>(c.get<std::uint64_t>("value-size"));
  // No checkpoint during the run: everything written stays in the log only.
  scratch_engine s(c.get<std::string>("dir"), backend_option(c), 2, std::chrono::hours(24));
  auto inst = s.open("source");
  std::promise<boost::system::error_code> made;
  inst->async_create_database("d", [&](boost::system::error_code ec) { made.set_value(ec); });
  scratch_engine::check(made.get_future().get(), "create database");
  made = {};
  inst->async_checkpoint([&](boost::system::error_code ec) { made.set_value(ec); });
  scratch_engine::check(made.get_future().get(), "checkpoint");

  // Fill the log with 16 writers, many commits in flight.
  std::uint64_t written = 0;
  long n = 0;
  std::string value(value_size, 'r');
  while (written < log_size) {
    std::vector<std::future<boost::system::error_code>> batch;
    for (int i = 0; i < 256; ++i, ++n) {
      auto p = std::make_shared<std::promise<boost::system::error_code>>();
      batch.push_back(p->get_future());
      inst->async_put("d", "k" + std::to_string(n % 200000), value,
                      [p](boost::system::error_code ec) { p->set_value(ec); });
    }
    for (auto& f : batch) scratch_engine::check(f.get(), "commit");
    written += 256 * (value_size + 40);
  }
  std::promise<storage_stats> st;
  inst->async_stats([&](boost::system::error_code, storage_stats x) { st.set_value(x); });
  auto before = st.get_future().get();

  // The crash image: a copy of the running instance's directory (nothing is in flight).
  std::filesystem::copy(s.dir / "source", s.dir / "image", std::filesystem::copy_options::recursive);
  std::filesystem::remove(s.dir / "image" / "LOCK");
  // Cold-ish: drop nothing (no privileges needed); the log was just written, so it is warm.
  auto t0 = clock_type::now();
  auto image = s.open("image");
  double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  std::promise<storage_stats> st2;
  image->async_stats([&](boost::system::error_code, storage_stats x) { st2.set_value(x); });
  auto after = st2.get_future().get();
  const double mib = static_cast<double>(before.log_bytes) / (1 << 20);
  boost::json::object line{{"bench", "recovery"},
                           {"backend", std::string(io::to_string(s.eng->file_backend()))},
                           {"log_mib", mib},
                           {"records", after.recovered_records},
                           {"seconds", secs},
                           {"mib_per_s", mib / secs}};
  std::cout << boost::json::serialize(line) << std::endl;
  return 0;
}

}  // namespace jetstrand::bench
