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
//
// `entry` says how the work reaches the strand when the caller runs on one of the
// io_context's threads and the strand is idle (from any other thread both wake one):
// - fork (asio::post's default): Asio may wake another thread to run the strand's turn at
//   once, beside the caller. For long work whose callers fan out (backup reads).
// - continuation: the turn is queued on the caller's own thread and runs when the caller's
//   handler returns. For short calls (gets, scans, commits): waking a thread blocked in
//   epoll costs an epoll_ctl and a context switch, several µs on a VM, more than the call,
//   and a coroutine that awaits the call has nothing to do meanwhile. A thread that finds a
//   second handler queued still wakes another, so busy work still spreads.
// Whatever the entry, a call made with jetstrand::blocking enters with dispatch and a
// caller_turn: if the strand is idle, its turn runs at once on the waiting thread
// (detail/caller_turn.hpp); if not, it queues as a fork would. With a `turnstile` (an
// instance's), such calls enter one at a time, so that one does not find the strand busy
// with another's turn (detail/caller_turnstile.hpp).

#include "detail/caller_errands.hpp"
#include "detail/caller_turn.hpp"
#include "detail/caller_turnstile.hpp"
#include "detail/pending_completion.hpp"
#include "jetstrand/blocking.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/blocking.hpp>
#include <boost/asio/execution/relationship.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/require.hpp>

#include <memory>
#include <utility>

namespace jetstrand::detail {

enum class strand_entry { fork, continuation };

// A waiting caller's way in: through the turnstile, then on this thread if the strand is idle.
template <typename Strand, typename Function>
void enter_as_waiting_caller(const Strand& strand, caller_turnstile* turnstile, Function&& f) {
  caller_turnstile::pass one_at_a_time(turnstile);
  caller_turn turn;
  boost::asio::dispatch(strand, std::forward<Function>(f));
}

template <typename... Results, typename Strand, typename Token, typename Work>
auto async_on_strand(strand_entry entry, const Strand& strand, caller_turnstile* turnstile, Token&& token,
                     Work&& work) {
  return boost::asio::async_initiate<Token, void(boost::system::error_code, Results...)>(
      [entry, turnstile](auto handler, const Strand& strand, std::decay_t<Work> work) {
        const bool waiting_caller = is_blocking_call(handler);
        using pending_t = pending_completion<decltype(handler), Strand>;
        pending_t pending(std::move(handler), strand);
        auto run = [pending = std::move(pending), work = std::move(work)]() mutable {
          if (pending.cancelled()) {
            std::move(pending).complete(boost::asio::error::operation_aborted, Results{}...);
            return;
          }
          work([pending = std::move(pending)](boost::system::error_code ec,
                                              Results... results) mutable {
            std::move(pending).complete(ec, std::move(results)...);
          });
        };
        if (waiting_caller) {
          enter_as_waiting_caller(strand, turnstile, std::move(run));
          // What the turns asked this thread to do off the strand (detail/caller_errands.hpp).
          while (auto errand = caller_errands::next()) {
            if (auto landing = (*errand)()) enter_as_waiting_caller(strand, turnstile, std::move(landing));
          }
        } else if (entry == strand_entry::continuation) {
          namespace execution = boost::asio::execution;
          boost::asio::prefer(boost::asio::require(strand, execution::blocking.never),
                              execution::relationship.continuation)
              .execute(std::move(run));
        } else {
          boost::asio::post(strand, std::move(run));
        }
      },
      token, strand, std::forward<Work>(work));
}

template <typename... Results, typename Strand, typename Token, typename Work>
auto async_on_strand(const Strand& strand, Token&& token, Work&& work) {
  return async_on_strand<Results...>(strand_entry::fork, strand, nullptr, std::forward<Token>(token),
                                     std::forward<Work>(work));
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
