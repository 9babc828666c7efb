// Calls made with jetstrand::blocking (jetstrand/blocking.hpp): on an idle instance they run
// on the calling thread, inside the strand; on a busy one they wait their turn; from many
// threads at once, beside calls from the io_context's threads, they see and leave the data
// as any other call does (run under ThreadSanitizer in CI).
#include "support/engine_fixture.hpp"

#include "jetstrand/blocking.hpp"
#include "jetstrand/error.hpp"

#include <boost/asio/post.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <chrono>
#include <functional>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace jetstrand;
using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

// Holds every thread of an io_context in a handler until released. The handlers wait on
// their own copies of the release: this object may be gone before they wake.
class io_threads_held {
 public:
  io_threads_held(boost::asio::io_context& io, int threads) {
    for (int i = 0; i < threads; ++i) {
      boost::asio::post(io, [this, release = release_] {
        ++held_;  // the constructor waits for this: `this` is still alive
        release.wait();
      });
    }
    while (held_.load() < threads) std::this_thread::sleep_for(1ms);
  }
  ~io_threads_held() { release(); }
  void release() {
    if (!released_.exchange(true)) gate_.set_value();
  }

 private:
  std::atomic<int> held_{0};
  std::atomic<bool> released_{false};
  std::promise<void> gate_;
  std::shared_future<void> release_ = gate_.get_future().share();
};

}  // namespace

BOOST_AUTO_TEST_SUITE(blocking_calls)

// The only io_context thread is held: a call that needed it could not complete. A get, a
// scan and a stats call on the idle instance still do, on the calling thread, with what was
// committed. (Were they queued for the io_context, the wait below would time out.)
BOOST_AUTO_TEST_CASE(an_idle_instance_answers_on_the_calling_thread) {
  // No checkpoint timer: its work, queued on the strand while the thread is held, would
  // keep the strand busy (the call would then rightly wait for it).
  engine_options o;
  o.storage.checkpoint_interval = std::chrono::hours(1);
  test::engine_fixture f(o, 1);
  auto inst = f.create("a");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", blocking)));
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_put("d", "k1", "one", blocking)));
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_put("d", "k2", "two", blocking)));
  f.wait_until_log_settled(*inst);  // its next generation, made ahead, reports to the strand

  io_threads_held held(f.io, 1);
  auto answers = std::async(std::launch::async, [&] {
    auto [ec1, v1] = inst->async_get("d", "k1", blocking);
    auto [ec2, v2] = inst->async_get("d", "absent", blocking);
    auto [ec3, found] = inst->async_scan("d", "", "", 10, blocking);
    auto [ec4, stats] = inst->async_stats(blocking);
    return std::tuple(ec1, v1, ec2, ec3, found, ec4);
  });
  const bool answered = answers.wait_for(10s) == std::future_status::ready;
  held.release();
  BOOST_TEST_REQUIRE(answered);
  auto [ec1, v1, ec2, ec3, found, ec4] = answers.get();
  BOOST_TEST(!ec1);
  BOOST_TEST(v1 == "one");
  BOOST_TEST(ec2 == jet_errc::record_not_found);
  BOOST_TEST(!ec3);
  BOOST_TEST_REQUIRE(found.size() == 2u);
  BOOST_TEST(found[0].first == "k1");
  BOOST_TEST(found[1].second == "two");
  BOOST_TEST(!ec4);
}

// A turn of the strand keeps it for 100 ms on the io_context's thread: a blocking call made
// meanwhile does not run beside it, but after it, and is answered.
BOOST_AUTO_TEST_CASE(a_busy_instance_makes_the_call_wait_its_turn) {
  test::engine_fixture f({}, 2);
  auto inst = f.create("a");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", blocking)));
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_put("d", "k", "v", blocking)));
  std::atomic<bool> turn_started{false}, turn_ended{false};
  boost::asio::post(inst->get_executor(), [&] {
    turn_started = true;
    std::this_thread::sleep_for(100ms);
    turn_ended = true;
  });
  while (!turn_started) std::this_thread::sleep_for(1ms);
  auto [ec, v] = inst->async_get("d", "k", blocking);
  BOOST_TEST(turn_ended.load());
  BOOST_TEST(!ec);
  BOOST_TEST(v == "v");
}

// Errors come back in the tuple, as any call's.
BOOST_AUTO_TEST_CASE(errors_are_returned_not_thrown) {
  test::engine_fixture f({}, 1);
  auto inst = f.create("a");
  auto [ec, v] = inst->async_get("nope", "k", blocking);
  BOOST_TEST(ec == jet_errc::database_not_found);
  BOOST_TEST(v.empty());
  auto [ec2] = inst->async_put("nope", "k", "v", blocking);
  BOOST_TEST(ec2 == jet_errc::database_not_found);
  // The engine's own calls take the token too (they queue on the engine's strand).
  auto [ec3, again] = f.eng->async_create_instance("a", blocking);
  BOOST_TEST(ec3 == jet_errc::instance_name_in_use);
  BOOST_TEST(!again);
}

// Four threads commit and read with blocking calls while two io_context threads run
// callback calls on the same instance, over a cache far smaller than the data (so calls
// also wait for page reads). Every commit is then read back as written.
BOOST_AUTO_TEST_CASE(blocking_callers_and_io_threads_share_an_instance) {
  engine_options o;
  o.cache_size = 256 << 10;
  o.storage.page_size = 4096;
  test::engine_fixture f(o, 2);
  auto inst = f.create("a");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", blocking)));
  constexpr int threads = 4, per_thread = 300;
  auto key = [](int t, int i) { return "t" + std::to_string(t) + "-" + std::to_string(i); };
  auto value = [](int t, int i) { return std::to_string(t * 100000 + i) + std::string(400, 'x'); };

  std::atomic<int> failures{0}, callback_calls{0};
  std::atomic<bool> running{true};
  std::promise<void> chain_ended;
  // Callback calls from the io_context's threads, each issuing the next from its handler.
  std::function<void()> call_from_io = [&] {
    if (!running) return chain_ended.set_value();
    inst->async_get("d", key(0, callback_calls % per_thread), [&](error_code ec, std::string) {
      if (ec && ec != jet_errc::record_not_found) ++failures;
      ++callback_calls;
      call_from_io();
    });
  };
  boost::asio::post(f.io, call_from_io);

  std::vector<std::thread> callers;
  for (int t = 0; t < threads; ++t) {
    callers.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int i = 0; i < per_thread; ++i) {
        transaction tx;
        tx.put("d", key(t, i), value(t, i));
        tx.set_lazy_flush(i % 2 == 0);
        if (std::get<0>(inst->async_commit(std::move(tx), blocking))) ++failures;
        const int j = static_cast<int>(rng() % static_cast<unsigned>(i + 1));
        auto [ec, v] = inst->async_get("d", key(t, j), blocking);
        if (ec || v != value(t, j)) ++failures;
      }
    });
  }
  for (auto& c : callers) c.join();
  running = false;
  chain_ended.get_future().get();
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(callback_calls.load() > 0);

  for (int t = 0; t < threads; ++t) {
    for (int i = 0; i < per_thread; ++i) {
      auto [ec, v] = inst->async_get("d", key(t, i), blocking);
      BOOST_TEST_REQUIRE(!ec);
      BOOST_TEST_REQUIRE(v == value(t, i));
    }
  }
  auto [ec, stats] = inst->async_stats(blocking);
  BOOST_TEST(!ec);
  BOOST_TEST(stats.cache_misses > 0u);  // the data outgrew the cache: some calls waited for reads
}

// A get that misses the cache reads the page on the calling thread, off the strand: with
// the io_context's only thread held, gets over data four times the cache, whose pages the OS
// was asked to drop (so that no read can be served at once from its page cache), still
// complete, with what was committed.
BOOST_AUTO_TEST_CASE(a_get_that_misses_reads_the_page_on_the_calling_thread) {
  engine_options o;
  o.cache_size = 256 << 10;
  o.storage.page_size = 4096;
  o.storage.checkpoint_interval = std::chrono::hours(1);  // as in the idle case above
  test::engine_fixture f(o, 1);
  auto inst = f.create("a");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", blocking)));
  constexpr int keys = 2500;
  auto key = [](int i) { return "k" + std::to_string(i); };
  auto value = [](int i) { return std::to_string(i) + std::string(400, 'v'); };
  for (int i = 0; i < keys;) {
    transaction t;
    for (int n = 0; n < 100; ++n, ++i) t.put("d", key(i), value(i));
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_commit(std::move(t), blocking)));
  }
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_checkpoint(blocking)));  // every page clean, on disk
  f.wait_until_log_settled(*inst);  // the commits rolled the log: its next generation reports to the strand
  for (const auto& entry : std::filesystem::recursive_directory_iterator(f.dir.path())) {
    if (entry.path().extension() != ".jdb") continue;
    const int fd = ::open(entry.path().c_str(), O_RDONLY);
    BOOST_TEST_REQUIRE(fd >= 0);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
  auto [ec0, before] = inst->async_stats(blocking);
  BOOST_TEST_REQUIRE(!ec0);

  io_threads_held held(f.io, 1);
  auto answers = std::async(std::launch::async, [&] {
    int wrong = 0;
    for (int i = 0; i < keys; i += 7) {
      auto [ec, v] = inst->async_get("d", key(i), blocking);
      if (ec || v != value(i)) ++wrong;
    }
    return std::tuple(wrong, std::get<1>(inst->async_stats(blocking)));
  });
  const bool answered = answers.wait_for(30s) == std::future_status::ready;
  held.release();
  BOOST_TEST_REQUIRE(answered);
  auto [wrong, after] = answers.get();
  BOOST_TEST(wrong == 0);
  BOOST_TEST(after.cache_misses > before.cache_misses);
  // Read by the calling thread, not copied in the strand's turn from the OS page cache.
  BOOST_TEST(after.cache_reads_waited > before.cache_reads_waited);
  BOOST_TEST(after.cache_reads_os_cached == before.cache_reads_os_cached);
}

namespace {

// An instance holding data four times its cache, checkpointed: most leaves are not resident.
std::shared_ptr<instance> instance_over_its_cache(test::engine_fixture& f, const std::string& name, int keys) {
  auto inst = f.create(name);
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", blocking)));
  for (int i = 0; i < keys;) {
    transaction t;
    for (int n = 0; n < 100; ++n, ++i) t.put("d", "k" + std::to_string(i), std::to_string(i) + std::string(400, 'v'));
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_commit(std::move(t), blocking)));
  }
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_checkpoint(blocking)));
  return inst;
}

engine_options small_cache() {
  engine_options o;
  o.cache_size = 256 << 10;
  o.storage.page_size = 4096;
  o.storage.checkpoint_interval = std::chrono::hours(1);  // nothing runs on the strand but the calls
  return o;
}

// Gets keys until one is answered from a leaf its thread read and left for a later turn
// (a miss, no page landed): what close and detach must not wait for forever.
void leave_a_landing(instance& inst, int keys) {
  for (int i = 0; i < keys; i += 13) {
    auto [e0, before] = inst.async_stats(blocking);
    auto [ec, v] = inst.async_get("d", "k" + std::to_string(i), blocking);
    BOOST_TEST_REQUIRE(!ec);
    auto [e1, after] = inst.async_stats(blocking);
    if (after.cache_misses > before.cache_misses && after.cache_reads_waited == before.cache_reads_waited) return;
  }
  BOOST_FAIL("no get was answered from a page it read");
}

}  // namespace

// A get whose leaf is not in the cache is answered by its own thread from the page it read,
// off the strand, and the thread returns without a second turn: the page lands in the cache
// at the start of the next call on the database, which then finds it without a miss. The
// io_context's only thread is held: everything runs on the calling thread.
BOOST_AUTO_TEST_CASE(a_get_answered_from_the_page_it_read_leaves_the_page_to_the_next_call) {
  test::engine_fixture f(small_cache(), 1);
  constexpr int keys = 2500;
  auto inst = instance_over_its_cache(f, "a", keys);
  f.wait_until_log_settled(*inst);  // as above: nothing else may come to the strand
  io_threads_held held(f.io, 1);
  auto checks = std::async(std::launch::async, [&] {
    for (int i = 0; i < keys; i += 13) {
      const auto key = "k" + std::to_string(i);
      const auto value = std::to_string(i) + std::string(400, 'v');
      auto before = std::get<1>(inst->async_stats(blocking));
      auto [ec, v] = inst->async_get("d", key, blocking);
      if (ec || v != value) return std::string("wrong answer for ") + key;
      auto answered = std::get<1>(inst->async_stats(blocking));
      if (answered.cache_misses == before.cache_misses || answered.cache_reads_waited != before.cache_reads_waited) {
        continue;  // resident, or only a branch was read: not the case under test
      }
      auto [ec2, v2] = inst->async_get("d", key, blocking);
      if (ec2 || v2 != value) return std::string("wrong second answer for ") + key;
      auto again = std::get<1>(inst->async_stats(blocking));
      if (again.cache_reads_waited != answered.cache_reads_waited + 1) return std::string("the page did not land");
      if (again.cache_misses != answered.cache_misses) return std::string("the second get missed");
      if (again.cache_hits <= answered.cache_hits) return std::string("the second get did not hit");
      return std::string();
    }
    return std::string("no get was answered from a page it read");
  });
  const bool done = checks.wait_for(30s) == std::future_status::ready;
  held.release();
  BOOST_TEST_REQUIRE(done);
  BOOST_TEST(checks.get() == "");
}

// Detach and close wait for every operation in flight, the answered gets whose pages are
// left for later among them: they land those pages themselves rather than wait for a call
// that may never come.
BOOST_AUTO_TEST_CASE(detach_and_close_land_the_pages_left_by_answered_gets) {
  test::engine_fixture f(small_cache(), 1);
  constexpr int keys = 2500;
  auto inst = instance_over_its_cache(f, "a", keys);
  leave_a_landing(*inst, keys);
  auto detached = std::async(std::launch::async, [&] { return std::get<0>(inst->async_detach_database("d", blocking)); });
  BOOST_TEST_REQUIRE((detached.wait_for(30s) == std::future_status::ready));
  BOOST_TEST(!detached.get());

  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_attach_database("d", blocking)));
  leave_a_landing(*inst, keys);
  auto closed = std::async(std::launch::async, [&] { return std::get<0>(inst->async_terminate(terminate_mode::complete, blocking)); });
  BOOST_TEST_REQUIRE((closed.wait_for(30s) == std::future_status::ready));
  BOOST_TEST(!closed.get());
}

BOOST_AUTO_TEST_SUITE_END()
