// Readers and a writer on a cache of a few dozen pages, from several threads at once (run
// under ThreadSanitizer in CI): every page a reader needs is read asynchronously and the
// reads resume on the instance's strand; what a reader sees is always a committed value.
#include "support/engine_fixture.hpp"

#include "jetstrand/blocking.hpp"
#include "jetstrand/error.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <random>
#include <thread>
#include <vector>

using namespace jetstrand;
using boost::system::error_code;

namespace {
// A cache of 64 pages of 4 KiB.
engine_options tiny_cache(std::chrono::milliseconds checkpoint_interval) {
  engine_options o;
  o.cache_size = 256 << 10;
  o.storage.page_size = 4096;
  o.storage.checkpoint_interval = checkpoint_interval;
  return o;
}
// Keys in order as numbers and as bytes alike.
std::string key(int k) {
  char b[16];
  std::snprintf(b, sizeof b, "k%05d", k);
  return std::string(b);
}
}  // namespace

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
  test::engine_fixture f(tiny_cache(std::chrono::milliseconds(5)), 2);
  auto inst = f.create("c");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", blocking)));
  constexpr int keys = 1200;
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

// A blocking get answers from the leaf its own thread read and leaves the page to land in a
// later turn; an async get of a key in the same leaf, made meanwhile, must not wait for a
// turn that may never come. Each round here, a blocking reader gets one key while an async
// get of its neighbour starts, and then nothing else calls: the async get must complete
// (within seconds, not at some later call) with the right value.
namespace {
void spin(std::chrono::microseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}
}  // namespace

BOOST_AUTO_TEST_CASE(async_gets_sharing_a_leaf_with_a_blocking_get_are_all_answered) {
  test::engine_fixture f(tiny_cache(std::chrono::hours(1)), 2);
  auto inst = f.create("c");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", blocking)));
  constexpr int keys = 3000;  // the tree is four times the cache
  auto value = [](int k) { return std::to_string(k) + ":" + std::string(300, 'v'); };
  for (int k = 0; k < keys;) {
    transaction t;
    for (int n = 0; n < 100; ++n, ++k) t.put("d", key(k), value(k));
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_commit(std::move(t), blocking)));
  }
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_checkpoint(blocking)));  // every page clean: evictable
  auto [ec0, before] = inst->async_stats(blocking);
  BOOST_TEST_REQUIRE(!ec0);

  // The reader gets key `base` once per round: `started` counts the rounds begun, `ended`
  // the gets done.
  std::atomic<int> base{0}, started{0}, ended{0}, bad{0};
  std::thread reader([&] {
    std::mt19937 delays(9);
    for (int round = 1;; ++round) {
      started.wait(round - 1);
      const int k = base.load();
      if (k < 0) return;
      spin(std::chrono::microseconds(delays() % 50));
      auto [ec, v] = inst->async_get("d", key(k), blocking);
      if (ec || v != value(k)) ++bad;
      ended = round;
      ended.notify_one();
    }
  });
  std::mt19937 rng(5);
  int rounds = 0, hung = 0;
  for (; rounds < 10000; ++rounds) {
    const int k = static_cast<int>(rng() % (keys - 1));
    base = k;
    started = rounds + 1;
    started.notify_one();
    // Somewhere between before the reader's turn and after its read lands: a few rounds
    // fall while its thread reads the page.
    spin(std::chrono::microseconds(rng() % 100));
    auto got = inst->async_get("d", key(k + 1), test::wait);
    bool answered = got.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
    for (int e = ended.load(); e != rounds + 1; e = ended.load()) ended.wait(e);
    if (!answered) answered = got.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    if (!answered) {
      ++hung;  // the reader's get is done and nothing else calls: it would wait forever
      break;
    }
    auto [ec, v] = got.get();
    if (ec || v != value(k + 1)) ++bad;
  }
  base = -1;
  started = rounds + 2;
  started.notify_one();
  reader.join();
  BOOST_TEST(hung == 0);
  BOOST_TEST(bad.load() == 0);
  auto [ec, s] = inst->async_stats(blocking);
  BOOST_TEST(!ec);
  BOOST_TEST(s.cache_misses > before.cache_misses);
  BOOST_TEST_MESSAGE(rounds << " rounds, " << s.cache_misses - before.cache_misses << " misses");
}

BOOST_AUTO_TEST_SUITE_END()
