#pragma once
// Runs `f` on an instance's strand and returns its result: for white-box checks of state
// that lives there.

#include "jetstrand/instance.hpp"

#include <boost/asio/post.hpp>

#include <future>
#include <memory>

namespace jetstrand::test {

template <typename F>
auto on_strand(const std::shared_ptr<instance>& inst, F f) {
  std::promise<decltype(f())> result;
  boost::asio::post(inst->get_executor(), [&] { result.set_value(f()); });
  return result.get_future().get();
}

}  // namespace jetstrand::test
