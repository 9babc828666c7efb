#pragma once
// How the public async calls take any Asio completion token and still compile once, in the
// library: the header template only erases the handler's type (any_completion_handler keeps
// its associated executor, cancellation slot and allocator) and calls a non-template
// function. Hosts do not call anything here directly.

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <utility>

namespace jetstrand::impl {

template <typename... Results>
using handler = boost::asio::any_completion_handler<void(boost::system::error_code, Results...)>;

// async_initiate with an erased handler: runs `call(args..., handler)`.
template <typename... Results, typename Token, typename Call, typename... Args>
auto initiate(Token&& token, Call call, Args&&... args) {
  return boost::asio::async_initiate<Token, void(boost::system::error_code, Results...)>(
      [call](auto h, auto&&... a) {
        call(std::forward<decltype(a)>(a)..., handler<Results...>(std::move(h)));
      },
      token, std::forward<Args>(args)...);
}

}  // namespace jetstrand::impl
