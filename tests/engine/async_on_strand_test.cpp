// The shape of the public calls (detail/async_on_strand.hpp): work runs on the strand, its
// results reach the handler moved, never copied (a scan's entries, a long value), and a
// cancellation emitted before the work starts completes with operation_aborted; erased
// handlers (as the public calls pass them) keep their executor and slot.
#include "detail/async_on_strand.hpp"
#include "jetstrand/async_call.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/test/unit_test.hpp>

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// A result that counts its copies.
struct counted {
  static inline int copies = 0;
  int value = 0;
  counted() = default;
  explicit counted(int v) : value(v) {}
  counted(const counted& o) : value(o.value) { ++copies; }
  counted(counted&&) noexcept = default;
  counted& operator=(const counted& o) {
    value = o.value;
    ++copies;
    return *this;
  }
  counted& operator=(counted&&) noexcept = default;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(async_on_strand)

BOOST_AUTO_TEST_CASE(results_reach_the_handler_moved_never_copied) {
  asio::io_context io;
  auto strand = asio::make_strand(io);
  counted::copies = 0;
  bool ran_on_strand = false;
  int got = 0;
  error_code got_ec = asio::error::would_block;
  jetstrand::detail::async_on_strand<counted>(
      strand,
      [&](error_code ec, counted c) {
        got_ec = ec;
        got = c.value;
      },
      [&](auto done) {
        ran_on_strand = strand.running_in_this_thread();
        done(error_code{}, counted(42));
      });
  io.run();
  BOOST_TEST(ran_on_strand);
  BOOST_TEST(!got_ec);
  BOOST_TEST(got == 42);
  BOOST_TEST(counted::copies == 0);
}

BOOST_AUTO_TEST_CASE(a_cancellation_before_the_work_starts_aborts_it) {
  asio::io_context io;
  auto strand = asio::make_strand(io);
  asio::cancellation_signal signal;
  bool worked = false;
  error_code got_ec;
  jetstrand::detail::async_on_strand<counted>(
      strand, asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, counted) { got_ec = ec; }),
      [&](auto done) {
        worked = true;
        done(error_code{}, counted(1));
      });
  signal.emit(asio::cancellation_type::terminal);
  io.run();
  BOOST_TEST(!worked);
  BOOST_TEST(got_ec == asio::error::operation_aborted);
}

// The public calls erase their handlers (any_completion_handler); the erased handler's own
// executor and slot must be found through the erasure.
using erased = asio::any_completion_handler<void(error_code, counted)>;

BOOST_AUTO_TEST_CASE(an_erased_handler_without_an_executor_completes_on_the_strand) {
  asio::io_context io;
  auto strand = asio::make_strand(io);
  bool on_strand = false;
  jetstrand::detail::async_on_strand<counted>(
      strand, erased([&](error_code, counted) { on_strand = strand.running_in_this_thread(); }),
      [](auto done) { done(error_code{}, counted(1)); });
  io.run();
  BOOST_TEST(on_strand);
}

BOOST_AUTO_TEST_CASE(an_erased_handler_completes_on_its_own_executor) {
  asio::io_context io;
  auto strand = asio::make_strand(io);
  auto own = asio::make_strand(io);
  bool on_own = false;
  jetstrand::detail::async_on_strand<counted>(
      strand, erased(asio::bind_executor(own, [&](error_code, counted) { on_own = own.running_in_this_thread(); })),
      [](auto done) { done(error_code{}, counted(1)); });
  io.run();
  BOOST_TEST(on_own);
}

BOOST_AUTO_TEST_CASE(an_erased_handlers_cancellation_is_seen_and_its_slot_freed) {
  asio::io_context io;
  auto strand = asio::make_strand(io);
  asio::cancellation_signal signal;
  // Emitted while the work runs (it has started: it completes, but as aborted).
  error_code got_ec;
  jetstrand::detail::async_on_strand<counted>(
      strand, erased(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, counted) { got_ec = ec; })),
      [&](auto done) {
        signal.emit(asio::cancellation_type::terminal);
        done(error_code{}, counted(1));
      });
  io.run();
  BOOST_TEST(got_ec == asio::error::operation_aborted);
  // A late emission reaches nothing (the call let go of its slot as it completed: under
  // ASan this would show a flag used after it was freed), and the same slot serves the
  // next call, which is not cancelled.
  signal.emit(asio::cancellation_type::terminal);
  io.restart();
  got_ec = asio::error::would_block;
  jetstrand::detail::async_on_strand<counted>(
      strand, erased(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, counted) { got_ec = ec; })),
      [](auto done) { done(error_code{}, counted(1)); });
  io.run();
  BOOST_TEST(!got_ec);
}

// impl::erase, as every public call erases its handler: a handler on an any_io_executor
// over an io_context is rebound to the io_context's executor itself, and any other executor
// (a strand here) is kept as it is; either way the erased handler names the same executor
// and completes there. (That the rebinding spares an allocation per call is not visible
// through Asio's API; the profiles in the README show it.)
BOOST_AUTO_TEST_CASE(erasing_a_handler_keeps_its_executor) {
  asio::io_context io;
  auto fallback = asio::make_strand(io);
  const asio::any_io_executor plain = io.get_executor();
  const asio::any_io_executor stranded = asio::make_strand(io);
  auto on_plain = jetstrand::impl::erase<counted>(asio::bind_executor(plain, [](error_code, counted) {}));
  BOOST_TEST(asio::get_associated_executor(on_plain).target<asio::io_context::executor_type>() != nullptr);
  bool on_strand = false;
  auto on_own_strand = jetstrand::impl::erase<counted>(asio::bind_executor(stranded, [&](error_code, counted) {
    on_strand = stranded.target<asio::strand<asio::io_context::executor_type>>()->running_in_this_thread();
  }));
  BOOST_TEST(asio::get_associated_executor(on_own_strand).target<asio::io_context::executor_type>() == nullptr);
  bool plain_ran = false;
  jetstrand::detail::async_on_strand<counted>(
      fallback, jetstrand::impl::erase<counted>(asio::bind_executor(plain, [&](error_code, counted) { plain_ran = true; })),
      [](auto done) { done(error_code{}, counted(1)); });
  jetstrand::detail::async_on_strand<counted>(fallback, std::move(on_own_strand),
                                              [](auto done) { done(error_code{}, counted(1)); });
  io.run();
  BOOST_TEST(plain_ran);
  BOOST_TEST(on_strand);
}

BOOST_AUTO_TEST_SUITE_END()
