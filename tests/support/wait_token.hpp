#pragma once
// `test::wait`: a completion token whose async call returns std::future<std::tuple<Args...>>
// holding every completion argument (error included), for tests that block on a result.
// (Boost 1.81's as_tuple(use_future) does not compile.)

#include <boost/asio/async_result.hpp>

#include <future>
#include <memory>
#include <tuple>
#include <type_traits>

namespace jetstrand::test {
struct wait_t {};
inline constexpr wait_t wait{};
}  // namespace jetstrand::test

template <typename... Args>
struct boost::asio::async_result<jetstrand::test::wait_t, void(Args...)> {
  using result_tuple = std::tuple<std::decay_t<Args>...>;
  using return_type = std::future<result_tuple>;

  template <typename Initiation, typename... InitArgs>
  static return_type initiate(Initiation&& initiation, jetstrand::test::wait_t,
                              InitArgs&&... args) {
    auto promise = std::make_shared<std::promise<result_tuple>>();
    auto future = promise->get_future();
    std::forward<Initiation>(initiation)(
        [promise](Args... results) { promise->set_value(result_tuple(std::move(results)...)); },
        std::forward<InitArgs>(args)...);
    return future;
  }
};
