#pragma once
// How a call made with jetstrand::blocking (jetstrand/blocking.hpp) runs on the calling
// thread: an instance's strand runs on a `caller_turn_executor` around the host's executor.
// It hands everything to the host's executor, except the one turn a blocking call asks
// for: if the strand was idle, Asio's strand executes its next turn (with blocking
// possibly allowed) through its inner executor, and that execute runs it on the calling
// thread instead of queueing it for an io_context thread. The strand's rules are unchanged:
// its turns never overlap and the strand knows it runs there (running_in_this_thread()),
// so instance state is still touched only on its strand. Only the thread changes, and
// the waiting thread pays nothing to hand the call over and wake for the answer.
//
// A turn the strand re-posts after the call's own (work that arrived meanwhile) is never
// run here: Asio requires blocking.never for it, and the flag is spent.

#include "detail/caller_errands.hpp"

#include <boost/asio/execution.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>

#include <type_traits>
#include <utility>

namespace jetstrand::detail {

// While one lives on a thread, the next strand turn started from that thread through a
// caller_turn_executor (the strand being idle) runs at once, on that thread. Used around
// one dispatch to an instance's strand.
class caller_turn {
 public:
  caller_turn() noexcept;
  ~caller_turn();
  caller_turn(const caller_turn&) = delete;
  caller_turn& operator=(const caller_turn&) = delete;
  // True once per caller_turn, for the execute that takes it.
  static bool take() noexcept;
};

template <typename Inner>
class caller_turn_executor {
 public:
  // Not a converting constructor from Inner: an any_io_executor converts from any executor,
  // this one included, and asking whether this one is an executor would then ask itself.
  struct around {
    Inner inner;
  };
  explicit caller_turn_executor(around a) noexcept(std::is_nothrow_move_constructible_v<Inner>)
      : inner_(std::move(a.inner)) {}

  template <typename Function>
  void execute(Function&& f) const {
    if (boost::asio::query(inner_, boost::asio::execution::blocking) != boost::asio::execution::blocking.never &&
        caller_turn::take()) {
      caller_errands::turn_scope on_waiting_thread;
      std::forward<Function>(f)();
      return;
    }
    inner_.execute(std::forward<Function>(f));
  }

  template <typename Property>
  auto query(const Property& p) const noexcept(noexcept(boost::asio::query(std::declval<const Inner&>(), p)))
      -> decltype(boost::asio::query(std::declval<const Inner&>(), p)) {
    return boost::asio::query(inner_, p);
  }
  template <typename Property>
  auto require(const Property& p) const
      -> caller_turn_executor<std::decay_t<decltype(boost::asio::require(std::declval<const Inner&>(), p))>> {
    using result = caller_turn_executor<std::decay_t<decltype(boost::asio::require(inner_, p))>>;
    return result(typename result::around{boost::asio::require(inner_, p)});
  }
  template <typename Property>
  auto prefer(const Property& p) const
      -> caller_turn_executor<std::decay_t<decltype(boost::asio::prefer(std::declval<const Inner&>(), p))>> {
    using result = caller_turn_executor<std::decay_t<decltype(boost::asio::prefer(inner_, p))>>;
    return result(typename result::around{boost::asio::prefer(inner_, p)});
  }

  friend bool operator==(const caller_turn_executor& a, const caller_turn_executor& b) noexcept {
    return a.inner_ == b.inner_;
  }
  friend bool operator!=(const caller_turn_executor& a, const caller_turn_executor& b) noexcept {
    return !(a == b);
  }

 private:
  Inner inner_;
};

}  // namespace jetstrand::detail
