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
// Whatever the entry, a call made with jetstrand::blocking enters as a dispatch would, with a
// caller_turn: if the strand is idle, its turn runs at once on the waiting thread
// (detail/caller_turn.hpp); if not, it queues as a fork would. With a `turnstile` (an
// instance's), such calls enter one at a time, so that one does not find the strand busy
// with another's turn (detail/caller_turnstile.hpp). Such a call answered in its own turn
// gets its answer right after that turn, still on its own thread (answer_after_turn).

#include "detail/caller_errands.hpp"
#include "detail/caller_turn.hpp"
#include "detail/caller_turnstile.hpp"
#include "detail/pending_completion.hpp"
#include "jetstrand/blocking.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/blocking.hpp>
#include <boost/asio/execution/relationship.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/require.hpp>

#include <memory>
#include <optional>
#include <tuple>
#include <utility>

namespace jetstrand::detail {

enum class strand_entry { fork, continuation };

// A waiting caller's way in: through the turnstile, then on this thread if the strand is idle.
template <typename Strand, typename Function>
void enter_as_waiting_caller(const Strand& strand, caller_turnstile* turnstile, Function&& f) {
  caller_turnstile::pass one_at_a_time(turnstile);
  caller_turn turn;
  // The strand's own execute, which runs f at once when it may (as asio::dispatch would: the
  // strand allows blocking). dispatch would first copy the strand twice to set properties it
  // already has, each copy a count on the strand's shared state that every calling thread
  // bumps (measured: blocking cached gets +11%).
  strand.execute(std::forward<Function>(f));
}

// A waiting caller's answer given in its own turn, on its own thread, is kept here until
// the turn and the turnstile are over and handed over then: the next caller's turn need not
// wait while the handler runs (the handler stores the results and wakes nobody: measured,
// blocking cached gets +10%). `current` is the slot of the call whose own turn runs on this
// thread, if any; an answer given anywhere else (a later turn, another thread) does not
// match it and is handed over at once.
template <typename Pending, typename... Results>
struct answer_after_turn {
  std::optional<std::tuple<Pending, boost::system::error_code, Results...>> answer;
  static inline thread_local const answer_after_turn* current = nullptr;

  // `slot` is compared before it is used: it may name the frame of a call that returned
  // (its work ran later, on another thread), and then it is never this thread's current.
  static bool keep(answer_after_turn* slot, Pending& pending, boost::system::error_code ec, Results&... results) {
    if (!slot || slot != current) return false;
    slot->answer.emplace(std::move(pending), ec, std::move(results)...);
    return true;
  }
  void hand_over() {
    if (!answer) return;
    std::apply([](Pending& p, boost::system::error_code ec,
                  Results&... r) { std::move(p).complete(ec, std::move(r)...); },
               *answer);
  }
};

template <typename... Results, typename Strand, typename Token, typename Work>
auto async_on_strand(strand_entry entry, const Strand& strand, caller_turnstile* turnstile, Token&& token,
                     Work&& work) {
  return boost::asio::async_initiate<Token, void(boost::system::error_code, Results...)>(
      [entry, turnstile](auto handler, const Strand& strand, std::decay_t<Work> work) {
        const bool waiting_caller = is_blocking_call(handler);
        using pending_t = pending_completion<decltype(handler), Strand>;
        using after_turn_t = answer_after_turn<pending_t, Results...>;
        after_turn_t after_turn;
        pending_t pending(std::move(handler), strand);
        auto run = [pending = std::move(pending), work = std::move(work),
                    after = waiting_caller ? &after_turn : nullptr]() mutable {
          if (pending.cancelled()) {
            std::move(pending).complete(boost::asio::error::operation_aborted, Results{}...);
            return;
          }
          work([pending = std::move(pending), after](boost::system::error_code ec, Results... results) mutable {
            if (after_turn_t::keep(after, pending, ec, results...)) return;
            std::move(pending).complete(ec, std::move(results)...);
          });
        };
        if (waiting_caller) {
          after_turn_t::current = &after_turn;
          enter_as_waiting_caller(strand, turnstile, std::move(run));
          after_turn_t::current = nullptr;
          after_turn.hand_over();
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
