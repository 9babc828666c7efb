#pragma once
// How a short asynchronous operation honours its handler's cancellation slot: the slot
// only raises a flag. The operation looks at the flag before it starts its work (and the
// file layer once more when the I/O completes); nothing in flight is interrupted.
//
// Asio's rule is that a slot's emit, emplace and clear are never concurrent: the emitter
// runs on the handler's executor. So the slot is connected in the initiating call and
// disconnected in complete(), which runs on the handler's executor too. The flag is atomic
// because the operation reads it from its own strand or thread.

#include "jetstrand/blocking.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>

#include <atomic>
#include <type_traits>
#include <memory>
#include <utility>

namespace jetstrand::detail {

class cancel_flag {
 public:
  template <typename Handler>
  static cancel_flag connect(Handler& handler) {
    cancel_flag f;
    auto slot = boost::asio::get_associated_cancellation_slot(handler);
    if (slot.is_connected()) f.raised_ = &slot.template emplace<raiser>().raised;
    return f;
  }

  cancel_flag() = default;
  // A moved-from flag reads false: the operation that took it may have cleared the slot.
  cancel_flag(cancel_flag&& other) noexcept : raised_(std::exchange(other.raised_, nullptr)) {}
  cancel_flag& operator=(cancel_flag&& other) noexcept {
    raised_ = std::exchange(other.raised_, nullptr);
    return *this;
  }

  // Valid until the slot is cleared (complete() reads it first).
  bool raised() const noexcept { return raised_ && raised_->load(std::memory_order_acquire); }

 private:
  // The flag lives in the slot's own handler storage, which the slot's signal keeps until
  // the slot is cleared or reused: Asio requires the signal to outlive the operation, and the
  // operation clears the slot as it completes. (A shared flag cost an allocation per call.)
  struct raiser {
    std::atomic<bool> raised{false};
    void operator()(boost::asio::cancellation_type) noexcept { raised.store(true, std::memory_order_release); }
  };
  const std::atomic<bool>* raised_ = nullptr;
};

// Stands for "the handler names no executor" when an erased handler is asked for its own:
// never run. Asking with the real fallback (an instance's strand) would wrap the strand in
// the erased executor type, an allocation per call, only to throw it away when the handler
// has an executor of its own (a coroutine's, say).
struct no_associated_executor {
  template <typename Function>
  void execute(Function&&) const noexcept {}
  friend bool operator==(const no_associated_executor&, const no_associated_executor&) noexcept { return true; }
  friend bool operator!=(const no_associated_executor&, const no_associated_executor&) noexcept { return false; }
};

template <typename Handler>
struct is_erased_handler : std::false_type {};
template <typename... Signatures>
struct is_erased_handler<boost::asio::any_completion_handler<Signatures...>> : std::true_type {};

// The handler's associated executor, or `fallback` if it names none.
template <typename Handler, typename Fallback>
auto handler_executor(const Handler& handler, const Fallback& fallback) {
  if constexpr (is_erased_handler<Handler>::value) {
    auto own = boost::asio::get_associated_executor(handler, no_associated_executor{});
    if (own.template target<no_associated_executor>()) return decltype(own)(fallback);
    return own;
  } else {
    return boost::asio::get_associated_executor(handler, fallback);
  }
}

// Whether the handler is a jetstrand::blocking call's, whose thread waits for it.
template <typename Handler>
bool is_blocking_call(const Handler& handler) {
  if constexpr (is_erased_handler<Handler>::value) {
    return boost::asio::get_associated_executor(handler, no_associated_executor{})
               .template target<blocking_completion_executor>() != nullptr;
  } else {
    return std::is_same_v<boost::asio::associated_executor_t<Handler>, blocking_completion_executor>;
  }
}

// A handler waiting for its operation: created in the initiating call, it connects the
// cancellation flag and keeps the handler's executor busy (outstanding work) until
// complete() hands the results over on that executor.
template <typename Handler, typename Fallback>
class pending_completion {
 public:
  pending_completion(Handler handler, const Fallback& fallback)
      : work_(boost::asio::prefer(handler_executor(handler, fallback),
                                  boost::asio::execution::outstanding_work.tracked)),
        flag_(cancel_flag::connect(handler)),
        handler_(std::move(handler)) {}

  bool cancelled() const noexcept { return flag_.raised(); }

  // Disconnects the slot, turns a success into operation_aborted when cancellation was
  // asked for, and calls the handler, all on the handler's executor.
  template <typename... Results>
  void complete(boost::system::error_code ec, Results... results) && {
    auto work = work_;
    // The results are moved, never copied: a scan's entries or a long value may be large.
    boost::asio::dispatch(work, [self = std::move(*this), ec, ... results = std::move(results)]() mutable {
      if (!ec && self.flag_.raised()) ec = boost::asio::error::operation_aborted;
      auto slot = boost::asio::get_associated_cancellation_slot(self.handler_);
      if (slot.is_connected()) slot.clear();  // the flag goes with it
      std::move(self.handler_)(ec, std::move(results)...);
    });
  }

 private:
  using work_executor = std::decay_t<decltype(boost::asio::prefer(
      handler_executor(std::declval<const Handler&>(), std::declval<const Fallback&>()),
      boost::asio::execution::outstanding_work.tracked))>;
  work_executor work_;
  cancel_flag flag_;
  Handler handler_;
};

}  // namespace jetstrand::detail
