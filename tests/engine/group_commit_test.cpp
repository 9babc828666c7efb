// Group commit under contention (run under ThreadSanitizer in CI): eight threads keep
// commits in flight at once; every commit lands, and they share log flushes.
#include "support/engine_fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace jetstrand;
using boost::system::error_code;

BOOST_AUTO_TEST_SUITE(group_commit)

BOOST_AUTO_TEST_CASE(group_commit_shares_log_flushes) {
  engine_options o;
  o.storage.log_file_size = 256 << 10;
  test::engine_fixture f(o, 2);
  auto inst = f.create("group");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  constexpr int writers = 8, each = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      // Keep several commits in flight per writer.
      std::vector<std::future<std::tuple<error_code>>> pending;
      for (int i = 0; i < each; ++i) {
        pending.push_back(inst->async_put("d", "w" + std::to_string(w) + "-" + std::to_string(i), "v", test::wait));
      }
      for (auto& p : pending) if (std::get<0>(p.get())) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(failures.load() == 0);
  auto [ec, stats] = inst->async_stats(test::wait).get();
  BOOST_TEST(stats.commits == static_cast<std::uint64_t>(writers * each));
  BOOST_TEST(stats.log_records == stats.commits);
  BOOST_TEST(stats.log_flushes < stats.commits, "flushes " << stats.log_flushes);
  BOOST_TEST(std::get<1>(inst->async_scan("d", "", "", 1u << 30, test::wait).get()).size() == static_cast<std::size_t>(writers * each));
}

BOOST_AUTO_TEST_SUITE_END()
