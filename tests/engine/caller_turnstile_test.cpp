// The turnstile of the threads that wait for an instance's calls
// (detail/caller_turnstile.hpp): a waiting caller that arrives while another runs its turn
// on its own thread waits for that turn to end and then runs its own turn on its own thread
// too; one that cannot get in within its spin queues on the strand as before (a hint, never
// a lock); while held, it is held by one thread only (run under ThreadSanitizer in CI); and
// a call answered in its own turn is handed its answer after the turn.
//
// The strand is built as an instance's is (caller_turn_executor around an io_context's
// executor), and the io_context runs no thread unless a case says so: a call that queued
// for it could not complete.
#include "detail/async_on_strand.hpp"
#include "detail/caller_turn.hpp"
#include "detail/caller_turnstile.hpp"
#include "jetstrand/blocking.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;
using jetstrand::detail::caller_turnstile;

namespace {

using strand_type = asio::strand<asio::any_io_executor>;

strand_type instance_like_strand(asio::io_context& io) {
  using around_io = jetstrand::detail::caller_turn_executor<asio::io_context::executor_type>;
  return asio::make_strand(asio::any_io_executor(around_io(around_io::around{io.get_executor()})));
}

// Where a call's work ran.
struct turn_seen {
  std::thread::id thread;
  bool on_strand = false;
};

// A caller thread: a blocking call through the turnstile whose work, inside the strand's
// turn, says it is there and then waits until it may leave.
class caller {
 public:
  caller(const strand_type& strand, caller_turnstile& turnstile) {
    result_ = std::async(std::launch::async, [this, &strand, &turnstile, leave = may_leave_.get_future().share()] {
      started_ = true;
      auto [ec, seen] = jetstrand::detail::async_on_strand<turn_seen>(
          jetstrand::detail::strand_entry::continuation, strand, &turnstile, jetstrand::blocking,
          [&strand, leave, inside = &inside_](auto done) {
            turn_seen here{std::this_thread::get_id(), strand.running_in_this_thread()};
            *inside = true;
            leave.wait();
            done(error_code{}, here);
          });
      return std::tuple(ec, seen, std::this_thread::get_id());
    });
    while (!started_.load()) std::this_thread::sleep_for(1ms);
  }
  ~caller() { let_leave(); }

  bool inside() const { return inside_.load(); }
  void wait_until_inside() const {
    while (!inside()) std::this_thread::sleep_for(1ms);
  }
  void let_leave() {
    if (!left_.exchange(true)) may_leave_.set_value();
  }
  bool answered_within(std::chrono::milliseconds d) { return result_.wait_for(d) == std::future_status::ready; }
  // The call's error, where its work ran, and the calling thread.
  std::tuple<error_code, turn_seen, std::thread::id> answer() { return result_.get(); }

 private:
  std::atomic<bool> started_{false}, inside_{false}, left_{false};
  std::promise<void> may_leave_;
  std::future<std::tuple<error_code, turn_seen, std::thread::id>> result_;
};

// A runs its call's turn on its own thread and stays inside, holding the turnstile; then B
// calls.
struct a_inside_then_b {
  explicit a_inside_then_b(std::chrono::nanoseconds spin) : turnstile(spin) {
    a.wait_until_inside();
    b.emplace(strand, turnstile);
  }
  asio::io_context io;
  const strand_type strand = instance_like_strand(io);
  caller_turnstile turnstile;
  caller a{strand, turnstile};
  std::optional<caller> b;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(caller_turnstile_suite)

// A runs its turn on its own thread and stays inside; B arrives and waits at the turnstile.
// When A leaves, B's turn runs on B's thread. Without the turnstile B would have found the
// strand busy and queued its call for an io_context thread, and none runs here.
BOOST_AUTO_TEST_CASE(a_waiting_caller_runs_on_its_own_thread_after_the_one_inside) {
  a_inside_then_b t(std::chrono::seconds(60));
  auto& [io, strand, turnstile, a, b_slot] = t;
  auto& b = *b_slot;
  std::this_thread::sleep_for(200ms);
  BOOST_TEST(!b.inside());
  a.let_leave();
  b.let_leave();

  const bool b_answered = b.answered_within(30s);
  BOOST_TEST(b_answered);
  if (!b_answered) io.run();  // what B queued, so that the test ends
  auto [a_ec, a_seen, a_thread] = a.answer();
  auto [b_ec, b_seen, b_thread] = b.answer();
  BOOST_TEST(!a_ec);
  BOOST_TEST(!b_ec);
  BOOST_TEST(a_seen.on_strand);
  BOOST_TEST(b_seen.on_strand);
  BOOST_TEST((a_seen.thread == a_thread));
  BOOST_TEST((b_seen.thread == b_thread));
}

// A hint, never a lock: B, who cannot get in within its spin (none here) while A stays
// inside, goes on and queues on the busy strand; its call is then run by an io_context
// thread once A has left, and B gets its answer from there.
BOOST_AUTO_TEST_CASE(a_caller_that_cannot_get_in_queues_on_the_strand) {
  a_inside_then_b t(std::chrono::nanoseconds(0));
  auto& [io, strand, turnstile, a, b_slot] = t;
  auto& b = *b_slot;
  b.let_leave();
  std::this_thread::sleep_for(1s);  // B has tried once and queued
  a.let_leave();
  auto [a_ec, a_seen, a_thread] = a.answer();
  BOOST_TEST(!a_ec);
  BOOST_TEST((a_seen.thread == a_thread));
  // Queued: nothing runs B's call until an io_context thread does.
  BOOST_TEST(!b.answered_within(200ms));
  std::thread io_thread([&] { io.run(); });
  const auto io_id = io_thread.get_id();
  const bool b_answered = b.answered_within(30s);
  io_thread.join();
  BOOST_TEST_REQUIRE(b_answered);
  auto [b_ec, b_seen, b_thread] = b.answer();
  BOOST_TEST(!b_ec);
  BOOST_TEST(b_seen.on_strand);
  BOOST_TEST((b_seen.thread == io_id));
  BOOST_TEST((b_seen.thread != b_thread));
}

// A waiting caller answered in its own turn gets the answer after the turn, with the
// turnstile left: the next caller's turn does not wait while the handler runs. An answer
// given in a later turn (here one posted for an io_context thread) is handed over there.
BOOST_AUTO_TEST_CASE(an_answer_given_in_the_callers_own_turn_is_handed_over_after_it) {
  asio::io_context io;
  const auto strand = instance_like_strand(io);
  caller_turnstile turnstile(std::chrono::seconds(60));
  struct seen_by_handler {
    bool called = false;
    bool on_strand = true;
    bool turnstile_free = false;
    std::thread::id thread;
  };
  const auto handler = [&](seen_by_handler& seen) {
    return asio::bind_executor(jetstrand::blocking_completion_executor{}, [&](error_code ec, int value) {
      seen.called = !ec && value == 7;
      seen.on_strand = strand.running_in_this_thread();
      seen.turnstile_free = turnstile.try_enter();
      if (seen.turnstile_free) turnstile.leave();
      seen.thread = std::this_thread::get_id();
    });
  };

  seen_by_handler in_turn;
  bool work_on_strand = false;
  jetstrand::detail::async_on_strand<int>(jetstrand::detail::strand_entry::continuation, strand, &turnstile,
                                          handler(in_turn), [&](auto done) {
                                            work_on_strand = strand.running_in_this_thread();
                                            done(error_code{}, 7);
                                          });
  BOOST_TEST(work_on_strand);
  BOOST_TEST(in_turn.called);  // before the call returned
  BOOST_TEST(!in_turn.on_strand);
  BOOST_TEST(in_turn.turnstile_free);
  BOOST_TEST((in_turn.thread == std::this_thread::get_id()));

  seen_by_handler later;
  jetstrand::detail::async_on_strand<int>(jetstrand::detail::strand_entry::continuation, strand, &turnstile,
                                          handler(later), [&](auto done) {
                                            asio::post(strand, [done = std::move(done)]() mutable {
                                              done(error_code{}, 7);
                                            });
                                          });
  BOOST_TEST(!later.called);  // the answer waits for the posted turn
  io.restart();  // stopped when the first turn's work on it ended (Asio's rule)
  std::thread io_thread([&] { io.run(); });
  const auto io_id = io_thread.get_id();
  io_thread.join();
  BOOST_TEST(later.called);
  BOOST_TEST(later.on_strand);  // handed over in that turn, on the io_context's thread
  BOOST_TEST((later.thread == io_id));
}

// Held by one thread at a time: threads that count in a plain integer only while they hold
// it lose no increment, and never find another inside (ThreadSanitizer sees the rest).
BOOST_AUTO_TEST_CASE(held_by_one_thread_at_a_time) {
  caller_turnstile turnstile;
  constexpr int threads = 4, attempts = 20000;
  long counted = 0;
  std::atomic<int> inside{0};
  std::atomic<long> entered{0};
  std::atomic<bool> overlapped{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < attempts; ++i) {
        caller_turnstile::pass pass(&turnstile);
        if (!pass.holds()) continue;
        if (inside.fetch_add(1) != 0) overlapped = true;
        ++counted;
        ++entered;
        inside.fetch_sub(1);
      }
    });
  }
  for (auto& t : pool) t.join();
  BOOST_TEST(!overlapped.load());
  BOOST_TEST(counted == entered.load());
  BOOST_TEST(entered.load() > 0);
  // Left vacant: the next caller gets in at once.
  BOOST_TEST(turnstile.try_enter());
  turnstile.leave();
}

BOOST_AUTO_TEST_SUITE_END()
