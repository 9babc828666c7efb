#include "kv_jetstrand_async.hpp"

#include "jetstrand/engine.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <random>
#include <thread>

namespace jetstrand::bench {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
const std::string system_name = "jetstrand-async";

// Runs `callers` coroutines on `io`, each awaiting `op(caller, n)` until `stop(n)`; reports
// the operations per second and their latencies.
template <typename Op, typename Stop>
void run_callers(asio::io_context& io, const settings& s, const char* name, int callers, Op op, Stop stop) {
  std::vector<latency_histogram> lats(static_cast<std::size_t>(callers));
  std::atomic<std::uint64_t> ops{0};
  std::atomic<int> running{callers};
  std::promise<void> finished;
  std::mutex failure_mutex;  // callers end on either thread
  std::exception_ptr failure;
  const auto t0 = clock_type::now();
  for (int c = 0; c < callers; ++c) {
    asio::co_spawn(
        io,
        [&, c]() -> awaitable<void> {
          for (std::uint64_t n = 0; !stop(n); ++n) {
            const auto a = clock_type::now();
            co_await op(c, n);
            lats[static_cast<std::size_t>(c)].record_ns(nanos_since(a));
            ++ops;
          }
        },
        [&](std::exception_ptr e) {
          if (e) {
            std::lock_guard lock(failure_mutex);
            if (!failure) failure = e;
          }
          if (--running == 0) finished.set_value();
        });
  }
  finished.get_future().get();
  if (failure) std::rethrow_exception(failure);
  const double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  latency_histogram all;
  for (const auto& l : lats) all.merge(l);
  report(system_name, s, name, ops, elapsed, all);
}

awaitable<void> get_one(instance& inst, std::string key, std::atomic<int>& missing) {
  auto [ec, value] = co_await inst.async_get("d", std::move(key), asio::as_tuple(use_awaitable));
  if (ec) ++missing;
}

}  // namespace

void run_jetstrand_async(const std::filesystem::path& dir, const settings& s) {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&io] { io.run(); });
  engine_options o;
  o.data_dir = dir;
  o.cache_size = s.cache_bytes;
  o.storage.page_size = s.page_size;
  o.storage.log_file_size = 64 << 20;
  auto eng = std::make_unique<engine>(io.get_executor(), o);
  auto inst = eng->async_create_instance("kv", asio::use_future).get();
  inst->async_create_database("d", asio::use_future).get();

  const std::uint64_t n = s.keys();
  auto deadline = clock_type::now();
  const auto until_deadline = [&deadline](std::uint64_t) { return clock_type::now() >= deadline; };
  const auto start_clock = [&] {
    deadline = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s.seconds));
  };

  // fill_lazy: every key once, in a scattered order, one commit in flight.
  const std::uint64_t step = s.fill_step();
  run_callers(io, s, "fill_lazy", 1, [&](int, std::uint64_t i) -> awaitable<void> {
    const std::uint64_t k = (i * step) % n;
    transaction t;
    t.put("d", key_of(k), value_of(k, s.value_size));
    t.set_lazy_flush(true);
    co_await inst->async_commit(std::move(t), use_awaitable);
  }, [n](std::uint64_t i) { return i >= n; });
  // fill_durable: `writers` durable commits in flight, new keys.
  start_clock();
  run_callers(io, s, "fill_durable", s.writers, [&](int c, std::uint64_t i) -> awaitable<void> {
    co_await inst->async_put("d", "w" + std::to_string(c) + "-" + std::to_string(i), value_of(i, s.value_size),
                             use_awaitable);
  }, until_deadline);
  // get_hot, get_cold and scan: as the blocking systems do, with `async_callers` in flight.
  const std::uint64_t hot = s.hot_keys();
  for (std::uint64_t k = 0; k < hot; ++k) {
    inst->async_get("d", key_of(k), asio::use_future([](boost::system::error_code, std::string) {})).get();
  }
  std::atomic<int> missing{0};
  std::vector<std::mt19937_64> rngs;
  for (int c = 0; c < s.async_callers; ++c) rngs.emplace_back(static_cast<unsigned>(c) + 1);
  start_clock();
  run_callers(io, s, "get_hot", s.async_callers, [&](int c, std::uint64_t) {
    return get_one(*inst, key_of(rngs[static_cast<std::size_t>(c)]() % hot), missing);
  }, until_deadline);
  start_clock();
  run_callers(io, s, "get_cold", s.async_callers, [&](int c, std::uint64_t) {
    return get_one(*inst, key_of(rngs[static_cast<std::size_t>(c)]() % n), missing);
  }, until_deadline);
  start_clock();
  run_callers(io, s, "scan", s.async_callers, [&](int c, std::uint64_t) -> awaitable<void> {
    co_await inst->async_scan("d", key_of(rngs[static_cast<std::size_t>(c)]() % n), "", 100, use_awaitable);
  }, until_deadline);
  if (missing) std::cerr << system_name << ": " << missing << " keys not found\n";

  eng->async_shutdown(asio::use_future).get();
  eng.reset();
  guard.reset();
  for (auto& t : threads) t.join();
}

}  // namespace jetstrand::bench
