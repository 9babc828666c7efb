#pragma once
// Runs an io_context until a flag is set (or it runs out of work), for tests that start
// one async operation and want its result.

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <stdexcept>

namespace jetstrand::test {

template <typename Done>
void run_until(boost::asio::io_context& io, Done done,
               std::chrono::seconds limit = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  io.restart();
  while (!done()) {
    if (io.run_one_for(std::chrono::milliseconds(100)) == 0 && io.stopped()) io.restart();
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("run_until: timed out");
    }
  }
}

}  // namespace jetstrand::test
