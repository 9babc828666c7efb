// One instance's life: created -> starting -> running -> terminating -> terminated, with
// the errors for calls out of place, failed init, and the completion-token guarantees
// (associated executor, bound cancellation slot, any token).
#include "support/engine_fixture.hpp"
#include "support/run_until.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>

using namespace jetstrand;
using jetstrand::test::engine_fixture;
using boost::system::error_code;

BOOST_AUTO_TEST_SUITE(instance_lifecycle)

BOOST_AUTO_TEST_CASE(create_init_terminate_walks_the_states) {
  engine_fixture f;
  error_code ec;
  auto inst = f.eng->create_instance("life", ec);
  BOOST_TEST_REQUIRE(!ec);
  BOOST_TEST(inst->state() == instance_state::created);
  BOOST_TEST(inst->directory() == f.dir.path() / "data" / "life");

  BOOST_TEST(!f.init(*inst));
  BOOST_TEST(inst->state() == instance_state::running);
  BOOST_TEST(std::filesystem::is_directory(inst->directory()));

  BOOST_TEST(!f.terminate(*inst));
  BOOST_TEST(inst->state() == instance_state::terminated);
  BOOST_TEST(!f.eng->find_instance("life"));
}

BOOST_AUTO_TEST_CASE(calls_out_of_place_fail_and_change_nothing) {
  engine_fixture f;
  auto inst = f.create("twice");
  BOOST_TEST(f.init(*inst) == jet_errc::already_initialized);
  BOOST_TEST(inst->state() == instance_state::running);
  BOOST_TEST(!f.terminate(*inst, terminate_mode::complete));
  BOOST_TEST(f.terminate(*inst) == jet_errc::invalid_parameter);
  BOOST_TEST(f.init(*inst) == jet_errc::invalid_parameter);
  BOOST_TEST(inst->state() == instance_state::terminated);
}

BOOST_AUTO_TEST_CASE(a_created_instance_can_be_terminated_without_init) {
  engine_fixture f;
  error_code ec;
  auto inst = f.eng->create_instance("never-started", ec);
  BOOST_TEST(!f.terminate(*inst));
  BOOST_TEST(f.eng->instances().empty());
  BOOST_TEST(!std::filesystem::exists(inst->directory()));
}

BOOST_AUTO_TEST_CASE(failed_init_leaves_nothing_registered) {
  engine_fixture f;
  // A regular file where the instance directory should go.
  std::filesystem::create_directories(f.dir.path() / "data");
  std::ofstream(f.dir.path() / "data" / "blocked") << "not a directory";
  error_code ec;
  auto inst = f.create("blocked", ec);
  BOOST_TEST(ec);
  BOOST_TEST((ec.category() == boost::system::system_category()));
  BOOST_TEST(!inst);
  BOOST_TEST(f.eng->instances().empty());
}

BOOST_AUTO_TEST_CASE(failed_plain_init_can_be_retried) {
  engine_fixture f;
  std::filesystem::create_directories(f.dir.path() / "data");
  auto blocker = f.dir.path() / "data" / "retry";
  std::ofstream(blocker) << "x";
  error_code ec;
  auto inst = f.eng->create_instance("retry", ec);
  BOOST_TEST(f.init(*inst));
  BOOST_TEST(inst->state() == instance_state::created);
  std::filesystem::remove(blocker);
  BOOST_TEST(!f.init(*inst));
  BOOST_TEST(inst->state() == instance_state::running);
}

BOOST_AUTO_TEST_CASE(cancellation_before_start_registers_nothing) {
  test::temp_dir dir;
  boost::asio::io_context io;  // not running yet: the work cannot have started
  engine_options o;
  o.data_dir = dir.path();
  engine eng(io.get_executor(), o);
  boost::asio::cancellation_signal signal;
  bool called = false;
  error_code result;
  eng.async_create_instance(
      "cancelled", boost::asio::bind_cancellation_slot(
                       signal.slot(), [&](error_code ec, std::shared_ptr<instance> inst) {
                         called = true;
                         result = ec;
                         BOOST_TEST(!inst);
                       }));
  BOOST_TEST(!called);  // never inside the initiating call
  signal.emit(boost::asio::cancellation_type::terminal);
  test::run_until(io, [&] { return called; });
  BOOST_TEST((result == boost::asio::error::operation_aborted));
  BOOST_TEST(eng.instances().empty());
  BOOST_TEST(!std::filesystem::exists(dir.path() / "cancelled"));
}

BOOST_AUTO_TEST_CASE(handler_runs_on_its_associated_executor) {
  engine_fixture f(engine_options{}, 2);
  auto inst = f.create("exec");
  auto mine = boost::asio::make_strand(f.io);
  std::promise<bool> on_mine;
  inst->async_terminate(terminate_mode::abrupt,
                        boost::asio::bind_executor(mine, [&](error_code ec) {
                          BOOST_TEST(!ec);
                          on_mine.set_value(mine.running_in_this_thread());
                        }));
  BOOST_TEST(on_mine.get_future().get());
}

BOOST_AUTO_TEST_CASE(default_handlers_run_on_the_instance_strand) {
  engine_fixture f(engine_options{}, 2);
  auto inst = f.create("strand");
  std::promise<bool> on_strand;
  inst->async_terminate(terminate_mode::abrupt, [&](error_code) {
    on_strand.set_value(inst->get_executor().running_in_this_thread());
  });
  BOOST_TEST(on_strand.get_future().get());
}

BOOST_AUTO_TEST_CASE(deferred_token_starts_only_when_launched) {
  engine_fixture f;
  error_code ec;
  auto inst = f.eng->create_instance("lazy", ec);
  auto op = inst->async_init(boost::asio::deferred);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  BOOST_TEST(inst->state() == instance_state::created);
  std::promise<error_code> done;
  std::move(op)([&](error_code e) { done.set_value(e); });
  BOOST_TEST(!done.get_future().get());
  BOOST_TEST(inst->state() == instance_state::running);
}

BOOST_AUTO_TEST_SUITE_END()
