#pragma once
// The shape of most public instance calls: post `work` onto the instance's strand, where it
// may touch instance state, and complete the caller's handler on the handler's associated
// executor (default: the strand) with what `work` reports.
//
// `work` receives a move-only `done(error_code, Results...)` and must call it exactly once,
// on the strand, now or later (after further asynchronous steps). A cancellation emitted on
// the handler's slot before `work` starts completes with operation_aborted and `work` never
// runs; once started, the call is not interruptible this way (it is short, or it has its own
// cancellation).

#include "detail/pending_completion.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <utility>

namespace jetstrand::detail {

template <typename... Results, typename Strand, typename Token, typename Work>
auto async_on_strand(const Strand& strand, Token&& token, Work&& work) {
  return boost::asio::async_initiate<Token, void(boost::system::error_code, Results...)>(
      [](auto handler, const Strand& strand, std::decay_t<Work> work) {
        using pending_t = pending_completion<decltype(handler), Strand>;
        pending_t pending(std::move(handler), strand);
        boost::asio::post(strand, [pending = std::move(pending),
                                   work = std::move(work)]() mutable {
          if (pending.cancelled()) {
            std::move(pending).complete(boost::asio::error::operation_aborted, Results{}...);
            return;
          }
          work([pending = std::move(pending)](boost::system::error_code ec,
                                              Results... results) mutable {
            std::move(pending).complete(ec, std::move(results)...);
          });
        });
      },
      token, strand, std::forward<Work>(work));
}

// A move-only completion (such as async_on_strand's `done`) made copyable, for internals
// that take std::function. Call the result at most once.
template <typename Done>
auto make_copyable(Done done) {
  auto shared = std::make_shared<Done>(std::move(done));
  return [shared](auto&&... results) {
    std::move(*shared)(std::forward<decltype(results)>(results)...);
  };
}

}  // namespace jetstrand::detail
