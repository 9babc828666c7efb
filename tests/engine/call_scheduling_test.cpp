// Where an instance's work runs when the call comes from one of the io_context's threads
// (instance.hpp, Scheduling): queued behind the caller's handler on the caller's thread,
// not handed to another thread at once.
#include "support/engine_fixture.hpp"

#include <boost/asio/post.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

using namespace jetstrand;
using namespace std::chrono_literals;
using boost::system::error_code;

BOOST_AUTO_TEST_SUITE(call_scheduling)

// Two threads run the io_context. A handler on one calls the instance and then keeps its
// thread for 100 ms: the other thread is idle all that time, and still the call waits for
// the caller to return. (Posted as asio::post does, with relationship.fork, the idle thread
// would be woken and run it at once.)
BOOST_AUTO_TEST_CASE(a_call_from_an_io_thread_waits_for_the_caller_to_return) {
  test::engine_fixture f({}, 2);
  auto inst = f.create("a");
  // The strand must be idle when the call below arrives. A fresh instance has nothing in
  // flight (its log starts with the first record), but the turn that answers this round trip
  // hands the answer over from inside the turn, on an io thread: the sleep lets that turn end.
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_stats(test::wait).get()));
  std::this_thread::sleep_for(20ms);

  auto completed = std::make_shared<std::atomic<bool>>(false);
  std::promise<bool> completed_while_caller_ran;
  std::promise<error_code> result;
  boost::asio::post(f.io, [&, completed] {
    inst->async_stats([&, completed](error_code ec, storage_stats) {
      completed->store(true);
      result.set_value(ec);
    });
    std::this_thread::sleep_for(100ms);
    completed_while_caller_ran.set_value(completed->load());
  });
  BOOST_TEST(!completed_while_caller_ran.get_future().get());
  BOOST_TEST(!result.get_future().get());
}

BOOST_AUTO_TEST_SUITE_END()
