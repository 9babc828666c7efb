// Readers and a writer on a cache of a few dozen pages, from several threads at once (run
// under ThreadSanitizer in CI): every page a reader needs is read asynchronously and the
// reads resume on the instance's strand; what a reader sees is always a committed value.
#include "support/engine_fixture.hpp"

#include "jetstrand/blocking.hpp"
#include "jetstrand/error.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdio>
#include <random>

using namespace jetstrand;
using boost::system::error_code;

BOOST_AUTO_TEST_SUITE(cache_readers)

BOOST_AUTO_TEST_CASE(readers_and_a_writer_share_a_tiny_cache) {
  engine_options o;
  o.cache_size = 256 << 10;
  o.storage.page_size = 4096;
  o.storage.checkpoint_interval = std::chrono::milliseconds(20);
  test::engine_fixture f(o, 3);
  auto inst = f.create("c");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  constexpr int keys = 1500;
  // Version 0 of every key: 300 bytes, so the tree is about twice the cache.
  auto value = [](int k, int version) {
    return std::to_string(k) + ":" + std::to_string(version) + ":" + std::string(300, static_cast<char>('a' + version % 26));
  };
  {
    std::vector<std::future<std::tuple<error_code>>> pending;
    for (int k = 0; k < keys; ++k) pending.push_back(inst->async_put("d", "k" + std::to_string(k), value(k, 0), test::wait));
    for (auto& p : pending) BOOST_TEST_REQUIRE(!std::get<0>(p.get()));
  }
  std::atomic<bool> writing{true};
  std::atomic<int> bad{0}, reads{0};
  std::thread writer([&] {
    std::mt19937 rng(3);
    for (int version = 1; version < 6; ++version) {
      std::vector<std::future<std::tuple<error_code>>> pending;
      for (int i = 0; i < 300; ++i) {
        const int k = static_cast<int>(rng() % keys);
        std::string v = value(k, version);
        if (i % 50 == 0) v.append(20000, '+');  // a long value now and then
        pending.push_back(inst->async_put("d", "k" + std::to_string(k), v, test::wait));
      }
      for (auto& p : pending) if (std::get<0>(p.get())) ++bad;
    }
    writing = false;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      std::mt19937 rng(static_cast<unsigned>(r));
      while (writing) {
        const int k = static_cast<int>(rng() % keys);
        auto [ec, v] = inst->async_get("d", "k" + std::to_string(k), test::wait).get();
        ++reads;
        // Some committed version of this key: its number, a version, 300 filler bytes.
        if (ec || v.rfind(std::to_string(k) + ":", 0) != 0 || v.size() < 300) ++bad;
        if (r == 0 && k % 10 == 0) {
          auto [sec, part] = inst->async_scan_keys("d", "k" + std::to_string(k), "", 20, test::wait).get();
          if (sec || part.empty()) ++bad;
        }
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  BOOST_TEST(bad.load() == 0);
  BOOST_TEST(reads.load() > 0);
  auto [ec, s] = inst->async_stats(test::wait).get();
  BOOST_TEST(!ec);
  BOOST_TEST(s.cache_misses > 0u);
  BOOST_TEST(s.cache_peak_bytes <= s.cache_budget);
}

// A blocking get that misses reads the page on its own thread and then goes on from that
// page, not from the root, if the tree has not changed in between. Here it changes all the
// time: a writer splits and merges leaves around the keys read, and checkpoints every few
// milliseconds free the pages it lets go of for reuse. Every answer must still be exact.
BOOST_AUTO_TEST_CASE(blocking_readers_go_on_from_their_page_only_while_the_tree_is_unchanged) {
  engine_options o;
  o.cache_size = 256 << 10;
  o.storage.page_size = 4096;
  o.storage.checkpoint_interval = std::chrono::milliseconds(5);
  test::engine_fixture f(o, 2);
  auto inst = f.create("c");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", blocking)));
  constexpr int keys = 1200;
  auto key = [](int k) {
    char b[16];
    std::snprintf(b, sizeof b, "k%05d", k);
    return std::string(b);
  };
  // Even keys never change (their exact value is known); odd keys are rewritten.
  auto value = [](int k, int version) {
    return std::to_string(k) + ":" + std::to_string(version) + ":" + std::string(200, static_cast<char>('a' + version % 26));
  };
  {
    transaction t;
    for (int k = 0; k < keys; ++k) t.put("d", key(k), value(k, 0));
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_commit(std::move(t), blocking)));
  }
  std::atomic<bool> writing{true};
  std::atomic<int> bad{0}, reads{0};
  std::thread writer([&] {
    std::mt19937 rng(7);
    for (int round = 1; round < 8; ++round) {
      // Fill the gaps after some keys (their leaves split), rewrite odd keys, then empty the
      // gaps again (their leaves merge and their pages are let go of).
      std::vector<int> filled;
      auto commit = [&](transaction t) {
        t.set_lazy_flush();
        if (std::get<0>(inst->async_commit(std::move(t), blocking))) ++bad;
      };
      for (int i = 0; i < 150; ++i) {
        const int k = static_cast<int>(rng() % keys);
        filled.push_back(k);
        transaction t;
        for (int j = 0; j < 4; ++j) t.put("d", key(k) + "+" + std::to_string(j), std::string(300, 'g'));
        t.put("d", key(k | 1), value(k | 1, round));
        commit(std::move(t));
      }
      for (const int k : filled) {
        transaction t;
        for (int j = 0; j < 4; ++j) t.erase("d", key(k) + "+" + std::to_string(j));
        commit(std::move(t));
      }
    }
    writing = false;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      std::mt19937 rng(static_cast<unsigned>(r) + 11);
      while (writing) {
        const int k = static_cast<int>(rng() % keys);
        auto [ec, v] = inst->async_get("d", key(k), blocking);
        ++reads;
        if (ec) {
          ++bad;
        } else if (k % 2 == 0) {
          if (v != value(k, 0)) ++bad;
        } else if (v.rfind(std::to_string(k) + ":", 0) != 0 || v.size() < 200) {
          ++bad;
        }
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  BOOST_TEST(bad.load() == 0);
  BOOST_TEST(reads.load() > 0);
  auto [ec, s] = inst->async_stats(blocking);
  BOOST_TEST(!ec);
  BOOST_TEST(s.cache_misses > 0u);
  BOOST_TEST_MESSAGE(reads.load() << " gets, " << s.cache_misses << " misses");
}

BOOST_AUTO_TEST_SUITE_END()
