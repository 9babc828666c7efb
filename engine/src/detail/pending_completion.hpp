#pragma once
// How a short asynchronous operation honours its handler's cancellation slot: the slot
// only raises a flag. The operation looks at the flag before it starts its work (and the
// file layer once more when the I/O completes); nothing in flight is interrupted.
//
// Asio's rule is that a slot's emit, emplace and clear are never concurrent: the emitter
// runs on the handler's executor. So the slot is connected in the initiating call and
// disconnected in complete(), which runs on the handler's executor too. The flag is atomic
// because the operation reads it from its own strand or thread.

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
    if (slot.is_connected()) {
      f.raised_ = std::make_shared<std::atomic<bool>>(false);
      slot.template emplace<raiser>(f.raised_);
    }
    return f;
  }

  bool raised() const noexcept {
    return raised_ && raised_->load(std::memory_order_acquire);
  }

 private:
  struct raiser {
    std::shared_ptr<std::atomic<bool>> raised;
    void operator()(boost::asio::cancellation_type) const noexcept {
      raised->store(true, std::memory_order_release);
    }
  };
  std::shared_ptr<std::atomic<bool>> raised_;
};

// A handler waiting for its operation: created in the initiating call, it connects the
// cancellation flag and keeps the handler's executor busy (outstanding work) until
// complete() hands the results over on that executor.
template <typename Handler, typename Fallback>
class pending_completion {
 public:
  pending_completion(Handler handler, const Fallback& fallback)
      : work_(boost::asio::prefer(boost::asio::get_associated_executor(handler, fallback),
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
      auto slot = boost::asio::get_associated_cancellation_slot(self.handler_);
      if (slot.is_connected()) slot.clear();
      if (!ec && self.flag_.raised()) ec = boost::asio::error::operation_aborted;
      std::move(self.handler_)(ec, std::move(results)...);
    });
  }

 private:
  using work_executor = std::decay_t<decltype(boost::asio::prefer(
      boost::asio::get_associated_executor(std::declval<Handler&>(),
                                           std::declval<const Fallback&>()),
      boost::asio::execution::outstanding_work.tracked))>;
  work_executor work_;
  cancel_flag flag_;
  Handler handler_;
};

}  // namespace jetstrand::detail
