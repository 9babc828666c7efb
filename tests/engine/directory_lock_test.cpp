// Each instance's directory is locked against a second engine, in this process or another.
#include "support/engine_fixture.hpp"
#include "support/run_until.hpp"

#include "detail/directory_lock.hpp"

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace jetstrand;
using jetstrand::test::engine_fixture;
using boost::system::error_code;

namespace {
template <typename Future>
bool ready(Future& f) {
  return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(directory_locking)

BOOST_AUTO_TEST_CASE(second_engine_on_the_same_directory_is_refused_until_release) {
  engine_fixture first;
  auto inst = first.create("shared");

  boost::asio::io_context io2;
  engine_options o;
  o.data_dir = first.dir.path() / "data";
  {
    engine second(io2.get_executor(), o);
    auto fut = second.async_create_instance("shared", test::wait);
    test::run_until(io2, [&] { return ready(fut); });
    auto [ec, other] = fut.get();
    BOOST_TEST(ec == jet_errc::file_access_denied);
    BOOST_TEST(!other);
    BOOST_TEST(second.instances().empty());
  }
  BOOST_TEST(!first.terminate(*inst));

  engine third(io2.get_executor(), o);
  auto fut = third.async_create_instance("shared", test::wait);
  test::run_until(io2, [&] { return ready(fut); });
  auto [ec, again] = fut.get();
  BOOST_TEST(!ec);
  BOOST_TEST(again);
  auto done = third.async_shutdown(test::wait);
  test::run_until(io2, [&] { return ready(done); });
  BOOST_TEST(!std::get<0>(done.get()));
}

BOOST_AUTO_TEST_CASE(another_process_cannot_take_a_running_instance) {
  engine_fixture f;
  auto inst = f.create("locked");
  const std::string lock_file = (inst->directory() / "LOCK").string();
  // The child only makes raw system calls: other threads of this process may hold locks.
  auto try_in_child = [&] {
    pid_t pid = ::fork();
    if (pid == 0) {
      int fd = ::open(lock_file.c_str(), O_RDWR);
      if (fd < 0) ::_exit(30);
      ::_exit(::flock(fd, LOCK_EX | LOCK_NB) == 0 ? 20 : errno == EWOULDBLOCK ? 10 : 40);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  BOOST_TEST(try_in_child() == 10);
  BOOST_TEST(!f.terminate(*inst));
  BOOST_TEST(try_in_child() == 20);
}

BOOST_AUTO_TEST_CASE(lock_is_released_when_the_holder_goes) {
  test::temp_dir dir;
  error_code ec;
  {
    auto lock = detail::directory_lock::acquire(dir.path() / "d", ec);
    BOOST_TEST(!ec);
    BOOST_TEST(lock.held());
    auto second = detail::directory_lock::acquire(dir.path() / "d", ec);
    BOOST_TEST(ec == jet_errc::file_access_denied);
    BOOST_TEST(!second.held());
  }
  auto again = detail::directory_lock::acquire(dir.path() / "d", ec);
  BOOST_TEST(!ec);
  BOOST_TEST(again.held());
}

BOOST_AUTO_TEST_SUITE_END()
