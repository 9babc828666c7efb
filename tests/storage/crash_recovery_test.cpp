// Crash recovery for real: a child process commits in a loop and is killed with SIGKILL at a
// random moment, again and again on the same data. After each kill the instance must open,
// hold every acknowledged transaction, hold no transaction in part, and verify.
#include "support/child_process.hpp"
#include "support/engine_fixture.hpp"

#include "jetstrand/error.hpp"
#include "storage/database_file.hpp"

#include <boost/test/unit_test.hpp>

#include <random>
#include <sstream>

using namespace jetstrand;
using boost::system::error_code;

namespace {

void crash_trials(io::backend_kind kind, int trials, bool tiny = false) {
  test::temp_dir dir;
  const auto data = dir.path() / "data";
  std::mt19937 rng(static_cast<unsigned>(trials) * 7919u + static_cast<unsigned>(kind));
  for (int trial = 0; trial < trials; ++trial) {
    const std::string prefix = "t" + std::to_string(trial);
    long acked = -1;
    {
      std::vector<std::string> args{CRASH_WRITER, data.string(), prefix, std::string(io::to_string(kind))};
      if (tiny) args.push_back("tiny");
      test::child_process writer(args);
      BOOST_TEST_REQUIRE(writer.wait_for_stdout("acked 0").has_value(), writer.out() + writer.err());
      std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 120));
      writer.signal(SIGKILL);
      BOOST_TEST_REQUIRE(writer.wait() == 128 + SIGKILL);
      std::istringstream lines(writer.out());
      std::string word;
      long n;
      while (lines >> word) {
        if (word == "acked" && lines >> n) acked = std::max(acked, n);
      }
    }
    BOOST_TEST_REQUIRE(acked >= 0);

    engine_options o;
    o.data_dir = data;
    o.file_backend = kind;
    o.storage.log_file_size = 128 << 10;
    if (tiny) {
      o.cache_size = 256 << 10;
      o.storage.page_size = 4096;
    }
    boost::asio::io_context io;
    auto guard = boost::asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    // A failed check leaves the trial by an exception: the io thread ends with it.
    struct joiner {
      boost::asio::io_context& io;
      std::thread& t;
      ~joiner() {
        if (!t.joinable()) return;
        io.stop();
        t.join();
      }
    } join_on_failure{io, runner};
    {
      engine eng(io.get_executor(), o);
      auto [ec, inst] = eng.async_create_instance("crash", test::wait).get();
      BOOST_TEST_REQUIRE(!ec, ec.message());
      auto [sec, all] = inst->async_scan("d", prefix + "-", prefix + ".", 1u << 30, test::wait).get();
      BOOST_TEST_REQUIRE(!sec);
      std::map<std::string, std::string> found(all.begin(), all.end());
      // Every acknowledged durable transaction is there, whole (lazy ones may be lost).
      for (long i = 0; i <= acked; ++i) {
        if (tiny && i % 2 == 1) continue;
        auto a = found.find(prefix + "-a-" + std::to_string(i));
        auto b = found.find(prefix + "-b-" + std::to_string(i));
        BOOST_TEST_REQUIRE((a != found.end() && b != found.end()), "lost transaction " << i << " of trial " << trial);
        BOOST_TEST_REQUIRE(a->second == b->second);
      }
      // Transactions not yet acknowledged may be there, but only whole.
      for (const auto& [k, v] : found) {
        auto dash = k.find('-', prefix.size() + 1);
        std::string n = k.substr(dash + 1);
        std::string other = k[prefix.size() + 1] == 'a' ? prefix + "-b-" + n : prefix + "-a-" + n;
        BOOST_TEST_REQUIRE(found.count(other) == 1u, "half a transaction: " << k);
      }
      BOOST_TEST_REQUIRE(!std::get<0>(eng.async_shutdown(test::wait).get()));
    }
    BOOST_TEST_REQUIRE(!storage::database_file::verify(data / "crash" / "databases" / "d.jdb"));
    guard.reset();
    runner.join();
  }
}

int trial_count() {
  // More in a soak run: JETSTRAND_CRASH_TRIALS=500.
  if (const char* env = std::getenv("JETSTRAND_CRASH_TRIALS")) return std::max(1, std::atoi(env));
  return 25;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crash_recovery)

BOOST_AUTO_TEST_CASE(sigkill_at_random_moments_io_uring) {
  crash_trials(io::backend_kind::io_uring, trial_count());
}

BOOST_AUTO_TEST_CASE(sigkill_at_random_moments_thread_pool) {
  crash_trials(io::backend_kind::thread_pool, trial_count());
}

// A cache of a few dozen pages, long values and lazy commits: recovery reads the pages it
// needs on demand, long values come back whole, and lazy commits are lost at most.
BOOST_AUTO_TEST_CASE(sigkill_with_a_tiny_cache_long_values_and_lazy_commits_io_uring) {
  crash_trials(io::backend_kind::io_uring, std::max(5, trial_count() / 2), true);
}

BOOST_AUTO_TEST_CASE(sigkill_with_a_tiny_cache_long_values_and_lazy_commits_thread_pool) {
  crash_trials(io::backend_kind::thread_pool, std::max(5, trial_count() / 2), true);
}

BOOST_AUTO_TEST_SUITE_END()
