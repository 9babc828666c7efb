// The B+tree against std::map, with flush/load round trips through an in-memory page store.
#include "storage/btree.hpp"

#include "jetstrand/error.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <random>
#include <set>

using namespace jetstrand;
using namespace jetstrand::storage;

namespace {

// Pages by number, with copy-on-write bookkeeping checked: a flush must never write a page
// that the previous flush's tree still uses.
struct page_store {
  explicit page_store(std::size_t size) : page_size(size) {}
  std::size_t page_size;
  std::map<std::uint32_t, std::vector<unsigned char>> pages;
  std::set<std::uint32_t> live;  // pages of the last flushed tree
  std::uint32_t next = 2;
  std::vector<std::uint32_t> free_list;
  std::uint32_t root = 0;

  void flush(btree& t, std::uint64_t lsn) {
    std::vector<std::uint32_t> freed;
    std::set<std::uint32_t> written;
    root = t.flush(
        lsn,
        [&] {
          if (!free_list.empty()) {
            auto p = free_list.back();
            free_list.pop_back();
            return p;
          }
          return next++;
        },
        [&](std::uint32_t p) { freed.push_back(p); },
        [&](std::uint32_t p, const unsigned char* bytes) {
          BOOST_TEST_REQUIRE(!live.count(p), "flush overwrote live page " << p);
          written.insert(p);
          pages[p].assign(bytes, bytes + page_size);
        });
    // What was freed may be reused by the next flush (its header would now be durable).
    for (auto p : freed) live.erase(p);
    live.insert(written.begin(), written.end());
    free_list.insert(free_list.end(), freed.begin(), freed.end());
  }
  btree load(boost::system::error_code& ec) {
    std::vector<std::uint32_t> used;
    auto t = btree::load(page_size, root, [&](std::uint32_t p, boost::system::error_code& e)
                                              -> const unsigned char* {
      auto it = pages.find(p);
      if (it == pages.end() || !verify_page(it->second.data(), page_size, p)) {
        e = jet_errc::read_verify_failure;
        return nullptr;
      }
      return it->second.data();
    }, used, ec);
    live = std::set<std::uint32_t>(used.begin(), used.end());
    return t;
  }
};

void check_equal(const btree& t, const std::map<std::string, std::string>& model) {
  BOOST_TEST_REQUIRE(t.size() == model.size());
  auto all = t.scan("", "", model.size() + 10);
  BOOST_TEST_REQUIRE(all.size() == model.size());
  auto it = model.begin();
  for (const auto& [k, v] : all) {
    BOOST_TEST_REQUIRE(k == it->first);
    BOOST_TEST_REQUIRE(v == it->second);
    ++it;
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(btree_model)

BOOST_AUTO_TEST_CASE(random_operations_match_std_map_across_flush_and_load) {
  for (std::size_t page_size : {4096u, 8192u}) {
    std::mt19937 rng(static_cast<unsigned>(page_size));
    page_store store{page_size};
    btree t(page_size);
    std::map<std::string, std::string> model;
    for (int round = 0; round < 12; ++round) {
      for (int i = 0; i < 1500; ++i) {
        std::string key = "k" + std::to_string(rng() % 3000);
        if (rng() % 4 == 0) {
          BOOST_TEST_REQUIRE(t.erase(key) == (model.erase(key) == 1));
        } else {
          std::size_t len = rng() % 8 == 0 ? rng() % max_value_size(page_size) : rng() % 64;
          std::string value(len, static_cast<char>('a' + rng() % 26));
          t.put(key, value);
          model[key] = value;
        }
      }
      check_equal(t, model);
      store.flush(t, static_cast<std::uint64_t>(round));
      BOOST_TEST(!t.dirty());
      boost::system::error_code ec;
      t = store.load(ec);
      BOOST_TEST_REQUIRE(!ec);
      check_equal(t, model);
    }
    // Erase everything: the tree collapses back to an empty root.
    for (const auto& [k, v] : model) BOOST_TEST_REQUIRE(t.erase(k));
    BOOST_TEST(t.size() == 0u);
    BOOST_TEST(t.scan("", "", 10).empty());
    store.flush(t, 99);
    boost::system::error_code ec;
    t = store.load(ec);
    BOOST_TEST(!ec);
    BOOST_TEST(t.size() == 0u);
  }
}

BOOST_AUTO_TEST_CASE(scan_respects_bounds_and_limit) {
  btree t(4096);
  for (int i = 0; i < 2000; ++i) {
    char k[16];
    std::snprintf(k, sizeof k, "key%05d", i);
    t.put(k, std::string(40, 'v'));
  }
  auto r = t.scan("key00100", "key00200", 1000);
  BOOST_TEST_REQUIRE(r.size() == 100u);
  BOOST_TEST(r.front().first == "key00100");
  BOOST_TEST(r.back().first == "key00199");
  BOOST_TEST(t.scan("key01990", "", 1000).size() == 10u);
  BOOST_TEST(t.scan("", "", 7).size() == 7u);
  BOOST_TEST(t.scan("zzz", "", 10).empty());
  BOOST_TEST((t.find("key01234").value() == std::string(40, 'v')));
  BOOST_TEST(!t.find("key9").has_value());
}

BOOST_AUTO_TEST_CASE(unchanged_nodes_are_not_rewritten) {
  page_store store{4096};
  btree t(4096);
  for (int i = 0; i < 3000; ++i) t.put("k" + std::to_string(i), std::string(30, 'x'));
  store.flush(t, 1);
  const auto first = store.pages.size();
  BOOST_TEST(first > 20u);  // a real multi-level tree
  std::size_t written = 0;
  t.put("k42", "changed");
  t.flush(2, [&] { return store.next++; }, [](std::uint32_t) {},
          [&](std::uint32_t, const unsigned char*) { ++written; });
  BOOST_TEST(written <= 4u);  // the leaf and its ancestors only
}

BOOST_AUTO_TEST_CASE(a_damaged_page_fails_the_load) {
  page_store store{4096};
  btree t(4096);
  for (int i = 0; i < 500; ++i) t.put("k" + std::to_string(i), std::string(30, 'x'));
  store.flush(t, 1);
  store.pages.begin()->second[100] ^= 1;
  boost::system::error_code ec;
  store.load(ec);
  BOOST_TEST((ec == jet_errc::read_verify_failure));
}

BOOST_AUTO_TEST_SUITE_END()
