#include "background_writer.hpp"

#include "bench_clock.hpp"
#include "jetstrand/transaction.hpp"
#include "wait_token.hpp"

#include <random>
#include <string>

namespace jetstrand::bench {

background_writer::background_writer(std::shared_ptr<instance> inst, std::uint64_t keys, std::size_t value_size)
    : inst_(std::move(inst)), thread_([this, keys, value_size] { run(keys, value_size); }) {}

background_writer::~background_writer() {
  stop_ = true;
  thread_.join();
}

std::vector<double> background_writer::take_latencies_us() {
  std::vector<double> us;
  for (const auto& [end, latency] : take_timed_latencies()) us.push_back(latency);
  return us;
}

std::vector<std::pair<std::int64_t, double>> background_writer::take_timed_latencies() {
  std::lock_guard lock(mutex_);
  return std::exchange(latencies_, {});
}

void background_writer::run(std::uint64_t keys, std::size_t value_size) {
  std::mt19937_64 rng(7);
  const std::string value(value_size, 'w');
  while (!stop_) {
    transaction t;
    t.put("d", "k" + std::to_string(rng() % keys), value);
    const auto t0 = steady_ns();
    auto [ec] = inst_->async_commit(std::move(t), test::wait).get();
    const auto t1 = steady_ns();
    const double us = static_cast<double>(t1 - t0) / 1e3;
    if (ec) throw boost::system::system_error(ec, "background commit");
    ++commits_;
    std::lock_guard lock(mutex_);
    latencies_.emplace_back(t1, us);
  }
}

}  // namespace jetstrand::bench
