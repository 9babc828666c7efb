#pragma once
// jetstrand::blocking: a completion token for a thread that waits for a call's result, as
// callers of RocksDB or SQLite do (a host's request threads, a command-line tool, a test).
//
//   auto [ec, value] = inst->async_get("orders", "o:42", jetstrand::blocking);
//   auto [ec] = inst->async_commit(std::move(t), jetstrand::blocking);
//
// The call returns the completion's arguments as a std::tuple, error code first.
//
// Guarantees (for an instance's calls, instance.hpp; the engine's own calls take the token
// too, and the thread simply waits for their answer):
// - When the instance's strand is idle, the call runs on the calling thread, inside the
//   strand (no other work of the instance runs meanwhile), and a call that needs no disk
//   read (a get or scan of resident pages, a lazy commit) returns without waking another
//   thread. A future (use_future) costs two thread hand-offs instead: the call queued for
//   an io_context thread, the answer back to the waiting thread.
// - When the strand is busy with another blocking call's turn, the call waits for that turn
//   to end (spinning up to 20 µs) and then runs on its own thread in the same way: threads
//   that wait for their calls take the strand one after another, each on its own thread.
// - A page the call misses in the cache is read by the calling thread itself, after its
//   turn and off the strand (the instance serves its other callers meanwhile), then put in
//   the cache in a turn of its own, taken in the same way. A get whose key's leaf was read
//   so, the tree unchanged since its turn, is answered by the thread from those bytes (as
//   of its turn: within the call) and returns without that second turn; the page is put in
//   the cache at the start of the next call on that database, or at once when another call
//   waits for it.
// - When the strand is busy otherwise (or that turn outlasts the spin), the call queues
//   there as any other and the thread waits for its answer.
// - Results are moved to the caller, never copied.
//
// Rules: never from a thread running the instance's io_context, nor from the instance's
// own handlers. A call that has to wait would wait for the very thread that waits for it.
// Honours no cancellation (a waiting thread cannot be asked to stop waiting).

#include <boost/asio/async_result.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace jetstrand {

struct blocking_t {};
inline constexpr blocking_t blocking{};

// The executor of a blocking call's completion: it runs the completion wherever the call
// completes (on the strand), which hands the results over and wakes the waiting thread.
// The instance recognises a blocking call by it.
struct blocking_completion_executor {
  template <typename Function>
  void execute(Function&& f) const {
    std::forward<Function>(f)();
  }
  friend bool operator==(const blocking_completion_executor&, const blocking_completion_executor&) noexcept {
    return true;
  }
  friend bool operator!=(const blocking_completion_executor&, const blocking_completion_executor&) noexcept {
    return false;
  }
};

namespace blocking_detail {

template <typename... Args>
struct state {
  std::optional<std::tuple<std::decay_t<Args>...>> results;
  std::atomic<bool> done{false};
};

template <typename... Args>
class handler {
 public:
  using executor_type = blocking_completion_executor;
  explicit handler(std::shared_ptr<state<Args...>> s) noexcept : state_(std::move(s)) {}
  executor_type get_executor() const noexcept { return {}; }
  void operator()(Args... args) {
    auto s = std::move(state_);  // keeps the state while the waiter is woken
    s->results.emplace(std::move(args)...);
    s->done.store(true, std::memory_order_release);
    s->done.notify_one();
  }

 private:
  std::shared_ptr<state<Args...>> state_;
};

}  // namespace blocking_detail
}  // namespace jetstrand

template <typename... Args>
struct boost::asio::async_result<jetstrand::blocking_t, void(Args...)> {
  using return_type = std::tuple<std::decay_t<Args>...>;

  template <typename Initiation, typename... InitArgs>
  static return_type initiate(Initiation&& initiation, jetstrand::blocking_t, InitArgs&&... args) {
    auto s = std::make_shared<jetstrand::blocking_detail::state<Args...>>();
    std::forward<Initiation>(initiation)(jetstrand::blocking_detail::handler<Args...>(s),
                                         std::forward<InitArgs>(args)...);
    s->done.wait(false, std::memory_order_acquire);
    return std::move(*s->results);
  }
};
