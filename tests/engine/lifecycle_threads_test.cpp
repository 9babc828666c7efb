// Instance lifecycle from many threads at once (run under ThreadSanitizer in CI): the
// table's limits and name uniqueness hold under contention, every call completes exactly
// once, and everything ends terminated.
#include "support/engine_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <random>

using namespace jetstrand;
using boost::system::error_code;

BOOST_AUTO_TEST_SUITE(lifecycle_threads)

BOOST_AUTO_TEST_CASE(create_init_terminate_from_many_threads) {
  engine_options o;
  o.max_instances = 4;
  test::engine_fixture f(o, 2);
  constexpr int threads = 8, rounds = 60;
  std::atomic<int> created{0}, refused_limit{0}, refused_name{0}, terminated{0},
      unexpected{0};
  std::atomic<bool> over_limit{false};

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int r = 0; r < rounds; ++r) {
        std::string name = "n" + std::to_string(rng() % 6);
        auto [ec, inst] = f.eng->async_create_instance(name, test::wait).get();
        if (f.eng->instances().size() > 4) over_limit = true;
        if (ec == jet_errc::too_many_instances) {
          ++refused_limit;
          continue;
        }
        if (ec == jet_errc::instance_name_in_use || ec == jet_errc::file_access_denied) {
          // file_access_denied: the previous holder of the name is still releasing it.
          ++refused_name;
          continue;
        }
        if (ec) {
          ++unexpected;
          continue;
        }
        ++created;
        if (inst->state() != instance_state::running) ++unexpected;
        // Sometimes race a second terminate against the first: exactly one wins.
        auto a = inst->async_terminate(terminate_mode::abrupt, test::wait);
        if (rng() % 2) {
          auto b = inst->async_terminate(terminate_mode::abrupt, test::wait);
          auto eb = std::get<0>(b.get());
          if (eb && eb != jet_errc::invalid_parameter) ++unexpected;
          auto ea = std::get<0>(a.get());
          if (!ea == !eb) ++unexpected;  // one success, one -1003
        } else if (std::get<0>(a.get())) {
          ++unexpected;
        }
        ++terminated;
      }
    });
  }
  for (auto& w : workers) w.join();

  BOOST_TEST(unexpected.load() == 0);
  BOOST_TEST(!over_limit.load());
  BOOST_TEST(created.load() == terminated.load());
  BOOST_TEST(created.load() > 0);
  BOOST_TEST(created + refused_limit + refused_name == threads * rounds);
  BOOST_TEST(f.eng->instances().empty());
}

BOOST_AUTO_TEST_CASE(shutdown_races_with_creation) {
  test::engine_fixture f(engine_options{}, 2);
  std::atomic<bool> stop{false};
  std::atomic<int> unexpected{0};
  std::thread creator([&] {
    for (int i = 0; !stop; ++i) {
      auto [ec, inst] =
          f.eng->async_create_instance("c" + std::to_string(i % 8), test::wait).get();
      if (ec && ec != jet_errc::instance_name_in_use && ec != jet_errc::file_access_denied &&
          ec != jet_errc::invalid_parameter) {
        ++unexpected;
      }
    }
  });
  for (int i = 0; i < 30; ++i) {
    auto ec = std::get<0>(f.eng->async_shutdown(test::wait).get());
    if (ec) ++unexpected;
  }
  stop = true;
  creator.join();
  BOOST_TEST(!std::get<0>(f.eng->async_shutdown(test::wait).get()));
  BOOST_TEST(f.eng->instances().empty());
  BOOST_TEST(unexpected.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
