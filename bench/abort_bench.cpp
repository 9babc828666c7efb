// abort: how long a stop takes to end every read chain in flight, in-process.
//
// Each chain is a consumer reading one chunk per async_read_file call, as a download or a
// sink does. A trial begins a backup, opens the database once per chain, starts every
// chain, waits a random moment, then a thread that is not an io thread takes the time and
// calls async_stop_backup. Latency is from that call to the completion of the last chain;
// bytes after the stop are those of reads that completed after the call.
#include "abort_bench.hpp"

#include "background_writer.hpp"
#include "bench_clock.hpp"
#include "bench_options.hpp"
#include "bench_instance.hpp"
#include "bench_report.hpp"
#include "cold_cache.hpp"

#include "jetstrand/backup/streaming_backup.hpp"
#include "wait_token.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <future>
#include <mutex>
#include <random>
#include <thread>

namespace jetstrand::bench {
namespace {

void check(boost::system::error_code ec, const char* what) {
  if (ec) throw boost::system::system_error(ec, what);
}

// One trial's chains, driven on the instance's strand.
class trial {
 public:
  trial(std::shared_ptr<instance> inst, std::size_t chains, std::size_t chunk)
      : inst_(std::move(inst)), chains_(chains), remaining_(chains) {
    for (auto& c : chains_) c.buffer.resize(chunk);
  }

  void open_all() {
    for (auto& c : chains_) {
      auto [ec, h, size] = backup::async_open_file(inst_, "d.jdb", test::wait).get();
      check(ec, "open d.jdb");
      c.handle = h;
    }
  }
  void start() {
    for (auto& c : chains_) read_next(c);
  }
  // The stop, from the calling thread; returns its time (ns).
  std::int64_t stop() {
    const auto t0 = steady_ns();
    stop_ns_.store(t0);
    backup::async_stop_backup(inst_, [](boost::system::error_code) {});
    return t0;
  }
  // The floor under any stop: how long a bare post from this thread takes to run on the
  // instance's strand, in the same conditions. Returns µs.
  double probe_strand() {
    std::promise<std::int64_t> ran;
    const auto t0 = steady_ns();
    boost::asio::post(inst_->get_executor(), [&ran] { ran.set_value(steady_ns()); });
    return static_cast<double>(ran.get_future().get() - t0) / 1000.0;
  }
  void wait_all() {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return remaining_ == 0; });
  }
  void close_all() {
    for (auto& c : chains_) backup::async_close_file(inst_, c.handle, [](boost::system::error_code) {});
  }

  std::int64_t last_end_ns() const { return last_end_ns_; }
  std::size_t aborted() const { return aborted_; }
  std::uint64_t max_bytes_after_stop() const {
    std::uint64_t m = 0;
    for (const auto& c : chains_) m = std::max(m, c.after_stop);
    return m;
  }

 private:
  struct chain {
    std::uint32_t handle = 0;
    std::vector<char> buffer;
    std::uint64_t after_stop = 0;
  };

  void read_next(chain& c) {
    backup::async_read_file(inst_, c.handle, boost::asio::buffer(c.buffer), [this, &c](boost::system::error_code ec, std::size_t n) {
      const auto t = steady_ns();
      const auto s = stop_ns_.load();
      if (s != 0 && t >= s) c.after_stop += n;
      if (!ec && n > 0) return read_next(c);
      std::lock_guard lock(mutex_);
      if (ec == jet_errc::backup_abort_by_server) ++aborted_;
      last_end_ns_ = std::max(last_end_ns_, t);
      if (--remaining_ == 0) done_.notify_all();
    });
  }

  std::shared_ptr<instance> inst_;
  std::vector<chain> chains_;
  std::atomic<std::int64_t> stop_ns_{0};
  std::mutex mutex_;
  std::condition_variable done_;
  std::size_t remaining_;
  std::size_t aborted_ = 0;
  std::int64_t last_end_ns_ = 0;
};

struct settings {
  std::uint64_t db_size;
  std::vector<int> chains;
  std::size_t chunk;
  int trials;
  bool writer;
  std::string dir;
  std::uint64_t max_rate = 0;  // the backup's rate limit: the stop then finds chains waiting under it
  bool cold = false;           // the database dropped from the OS page cache before every trial
};

void run_backend(io::backend_kind kind, const settings& s, report& out) {
  bench_instance b(s.dir, "abort", kind);
  const auto keys = b.fill(s.db_size, 2000, 64, 4);
  const auto inst = b.inst();
  const auto most_chains = static_cast<std::size_t>(*std::max_element(s.chains.begin(), s.chains.end()));
  backup::backup_options bo;
  bo.chunk_size = s.chunk;
  bo.max_open_files = std::max(bo.max_open_files, most_chains);
  check(std::get<0>(backup::async_set_backup_options(inst, bo, test::wait).get()), "backup options");
  std::optional<background_writer> writer;
  if (s.writer) writer.emplace(inst, keys, 1000);

  std::mt19937 rng(1);
  for (int chains : s.chains) {
    std::vector<double> latencies;
    std::vector<double> strand_posts;
    std::uint64_t after_stop_max = 0;
    int missed = 0;  // every chain had ended before the stop (not a measurement)
    // Odd-numbered runs measure the floor (a bare strand post) instead of the stop.
    for (int t = 0; t < 2 * s.trials; ++t) {
      if (s.cold) evict_from_page_cache({b.database_file()});
      auto [ec] = backup::async_begin_backup(inst, 0, test::wait).get();
      check(ec, "begin backup");
      if (s.max_rate) check(std::get<0>(backup::async_set_max_rate(inst, s.max_rate, test::wait).get()), "max rate");
      trial tr(inst, static_cast<std::size_t>(chains), s.chunk);
      tr.open_all();
      tr.start();
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
      const bool probe = t % 2 == 1;
      if (probe) strand_posts.push_back(tr.probe_strand());
      const auto t0 = tr.stop();
      tr.wait_all();
      tr.close_all();
      auto [eec, result] = backup::async_end_backup(inst, backup::end_normal, test::wait).get();
      (void)result;
      check(eec, "end backup");
      if (probe) continue;
      if (tr.aborted() == 0) {
        ++missed;
        continue;
      }
      latencies.push_back(static_cast<double>(std::max<std::int64_t>(0, tr.last_end_ns() - t0)) / 1000.0);
      after_stop_max = std::max(after_stop_max, tr.max_bytes_after_stop());
    }
    auto l = summarize(latencies);
    auto floor = summarize(strand_posts);
    out.add({{"bench", "abort"},
             {"system", "jetstrand"},
             {"backend", std::string(io::to_string(b.eng().file_backend()))},
             {"chains", chains},
             {"chunk", s.chunk},
             {"max_rate", s.max_rate},
             {"cache", s.cold ? "cold" : "warm"},
             {"trials", latencies.size()},
             {"p50_us", l.p50_us},
             {"p99_us", l.p99_us},
             {"max_us", l.max_us},
             {"bytes_after_stop_max", after_stop_max},
             {"strand_post_p50_us", floor.p50_us},
             {"strand_post_p99_us", floor.p99_us},
             {"strand_post_max_us", floor.max_us},
             {"writer_commits", writer ? writer->commits() : 0},
             {"missed", missed}});
  }
}

}  // namespace

int abort_latency(std::span<char*> args) {
  command c("jetstrand-bench abort [options]",
            "Stops a backup while N read chains are in flight, many times over.",
            "Latency: from the stop call, on a thread that is not an io thread, to the completion of\n"
            "the last chain. bytes_after_stop_max: the most one chain received after the call.\n"
            "strand_post_p50_us/p99_us/max_us: the floor, a bare post from the same thread to the instance's\n"
            "strand under the same load (as many extra runs as --trials).");
  c.options()
      ("db-size", size(8192)->default_value(1ull << 30, "1G"), "database size, page-cache warm")
      ("chains", numbers()->default_value(std::vector<long long>{1, 4, 16, 64}, "1,4,16,64"), "concurrent read chains, one run each")
      ("chunk", size(8192)->default_value(64 << 10, "64K"), "bytes per read, and the backup's chunk (whole 8K pages)")
      ("trials", number(1, 1'000'000)->default_value(500, "500"), "stops per chain count")
      ("backend", one_of({"both", "io_uring", "thread_pool"}, "KIND")->default_value("both"), "the file backends to run")
      ("writer", one_of({"on", "off"}, "on|off")->default_value("on"), "a writer committing throughout")
      ("max-rate", size()->default_value(0, "0"),
       "the backup's rate limit, bytes per second (0: unlimited); the stop then finds chains waiting under the limit")
      ("cold", flag(),
       "the database dropped from the OS page cache before every trial (fdatasync + posix_fadvise DONTNEED): the "
       "stop finds reads on the disk");
  add_scratch_dir(c);
  add_table(c);
  if (!c.parse(args, std::cout)) return 0;
  settings s;
  s.db_size = c.get<std::uint64_t>("db-size");
  for (auto n : c.get<std::vector<long long>>("chains")) s.chains.push_back(static_cast<int>(n));
  s.chunk = static_cast<std::size_t>(c.get<std::uint64_t>("chunk"));
  s.trials = static_cast<int>(c.get<long long>("trials"));
  s.writer = c.get<std::string>("writer") == "on";
  s.dir = c.get<std::string>("dir");
  s.max_rate = c.get<std::uint64_t>("max-rate");
  s.cold = c.get<bool>("cold");
  if (s.chunk % (8 * 1024) != 0) throw usage_error("--chunk: a multiple of 8K (whole pages)");
  const auto backend = c.get<std::string>("backend");
  std::vector<io::backend_kind> kinds;
  if (backend == "both") {
    kinds = {io::backend_kind::io_uring, io::backend_kind::thread_pool};
  } else {
    kinds = {*io::parse_backend_kind(backend)};
  }
  report out(c.get<bool>("table"));
  for (auto k : kinds) run_backend(k, s, out);
  return 0;
}

}  // namespace jetstrand::bench
