#pragma once
// How the public async calls take any Asio completion token and still compile once, in the
// library: the header template only erases the handler's type (any_completion_handler keeps
// its associated executor, cancellation slot and allocator) and calls a non-template
// function. Hosts do not call anything here directly.

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

#include <type_traits>
#include <utility>

namespace jetstrand::impl {

template <typename... Results>
using handler = boost::asio::any_completion_handler<void(boost::system::error_code, Results...)>;

template <typename Handler>
struct is_executor_binder : std::false_type {};
template <typename T, typename Executor>
struct is_executor_binder<boost::asio::executor_binder<T, Executor>> : std::true_type {};

// Erases a handler. One whose executor is an any_io_executor over an io_context (a
// coroutine's, a Beast session's) is first bound to that io_context's executor itself: the
// same executor, but small enough for the erased handler to hand out without an
// allocation, where an any_io_executor is wrapped in a shared copy each time the call asks
// for the handler's executor (twice per call, with its work guard).
template <typename... Results, typename Handler>
handler<Results...> erase(Handler h) {
  if constexpr (std::is_same_v<boost::asio::associated_executor_t<Handler>, boost::asio::any_io_executor>) {
    const auto ex = boost::asio::get_associated_executor(h);
    if (const auto* io = ex.template target<boost::asio::io_context::executor_type>()) {
      // A handler bound with bind_executor is bound again from what it wraps (binding a
      // binder would convert the wrapped one's executor instead).
      if constexpr (is_executor_binder<Handler>::value) {
        return handler<Results...>(boost::asio::bind_executor(*io, std::move(h.get())));
      } else {
        return handler<Results...>(boost::asio::bind_executor(*io, std::move(h)));
      }
    }
  }
  return handler<Results...>(std::move(h));
}

// async_initiate with an erased handler: runs `call(args..., handler)`.
template <typename... Results, typename Token, typename Call, typename... Args>
auto initiate(Token&& token, Call call, Args&&... args) {
  return boost::asio::async_initiate<Token, void(boost::system::error_code, Results...)>(
      [call = std::move(call)](auto h, auto&&... a) {
        call(std::forward<decltype(a)>(a)..., erase<Results...>(std::move(h)));
      },
      token, std::forward<Args>(args)...);
}

}  // namespace jetstrand::impl
