#pragma once
// A writer that keeps an instance busy while something is measured: one thread committing
// single-put transactions (one in flight) that overwrite random keys of those bench_instance
// filled, so the database changes without growing. Notes each commit's latency.

#include "jetstrand/instance.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace jetstrand::bench {

class background_writer {
 public:
  background_writer(std::shared_ptr<instance> inst, std::uint64_t keys, std::size_t value_size);
  ~background_writer();  // stops and joins
  background_writer(const background_writer&) = delete;
  background_writer& operator=(const background_writer&) = delete;

  // Commit latencies (µs) since the last call.
  std::vector<double> take_latencies_us();
  // (when the commit returned, steady_ns; its latency in µs) since the last call.
  std::vector<std::pair<std::int64_t, double>> take_timed_latencies();
  std::uint64_t commits() const noexcept { return commits_.load(); }

 private:
  void run(std::uint64_t keys, std::size_t value_size);

  std::shared_ptr<instance> inst_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> commits_{0};
  std::mutex mutex_;
  std::vector<std::pair<std::int64_t, double>> latencies_;
  std::thread thread_;
};

}  // namespace jetstrand::bench
