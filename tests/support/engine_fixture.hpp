#pragma once
// An engine on an io_context run by one background thread, over a fresh data directory,
// with helpers that wait for an async call's results (see wait_token.hpp).

#include "support/temp_dir.hpp"
#include "support/wait_token.hpp"

#include "jetstrand/engine.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

namespace jetstrand::test {

class engine_fixture {
 public:
  explicit engine_fixture(engine_options options = {}, int threads = 1) {
    options.data_dir = dir.path() / "data";
    for (int i = 0; i < threads; ++i) runners.emplace_back([this] { io.run(); });
    eng = std::make_unique<engine>(io.get_executor(), options);
  }
  ~engine_fixture() {
    if (eng) std::get<0>(eng->async_shutdown(wait).get());
    eng.reset();
    guard.reset();
    for (auto& t : runners) t.join();
  }

  std::shared_ptr<instance> create(const std::string& name, boost::system::error_code& ec) {
    auto [e, inst] = eng->async_create_instance(name, wait).get();
    ec = e;
    return inst;
  }
  std::shared_ptr<instance> create(const std::string& name) {
    boost::system::error_code ec;
    auto inst = create(name, ec);
    if (ec) throw boost::system::system_error(ec, "create " + name);
    return inst;
  }
  boost::system::error_code init(instance& inst) {
    return std::get<0>(inst.async_init(wait).get());
  }
  // Waits (up to a minute) while the instance's log makes its next generation ahead: until
  // it is made, that work's completion may still come to the instance's strand, so a test
  // that holds the io threads and counts on an idle strand calls this first.
  void wait_until_log_settled(instance& inst) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    for (;;) {
      auto [ec, s] = inst.async_stats(wait).get();
      if (ec) throw boost::system::system_error(ec, "stats");
      if (!s.log_making_next_generation) return;
      if (std::chrono::steady_clock::now() > until) throw std::runtime_error("the log's next generation is still being made after a minute");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  boost::system::error_code terminate(instance& inst,
                                      terminate_mode mode = terminate_mode::abrupt) {
    return std::get<0>(inst.async_terminate(mode, wait).get());
  }

  temp_dir dir;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard =
      boost::asio::make_work_guard(io);
  std::vector<std::thread> runners;
  std::unique_ptr<engine> eng;
};

}  // namespace jetstrand::test
