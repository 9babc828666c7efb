// The page cache's index (u64_map): against std::unordered_map under random inserts,
// replacements, erasures and erase_if, with keys that collide in the table's home slots
// and runs that wrap past its end, the cases backward-shift deletion has to get right.
#include "storage/u64_map.hpp"

#include <boost/test/unit_test.hpp>

#include <random>
#include <unordered_map>
#include <vector>

using jetstrand::storage::u64_map;

namespace {

// Every key of the model is found with its value, and nothing else is.
void check_same(u64_map<std::uint64_t>& m, const std::unordered_map<std::uint64_t, std::uint64_t>& model,
                const std::vector<std::uint64_t>& possible_keys) {
  BOOST_TEST_REQUIRE(m.size() == model.size());
  for (const auto k : possible_keys) {
    auto* v = m.find(k);
    auto it = model.find(k);
    BOOST_TEST_REQUIRE((v != nullptr) == (it != model.end()), "key " << k);
    if (v) BOOST_TEST_REQUIRE(*v == it->second, "key " << k);
  }
  std::size_t seen = 0;
  m.for_each([&](std::uint64_t k, std::uint64_t& v) {
    ++seen;
    BOOST_TEST_REQUIRE(model.at(k) == v);
  });
  BOOST_TEST_REQUIRE(seen == model.size());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(u64_map_index)

BOOST_AUTO_TEST_CASE(random_inserts_and_erasures_match_unordered_map) {
  // Small tables (16 to 16k slots), where probe runs often wrap past the end.
  for (const std::uint64_t key_range : {40ull, 300ull, 5000ull}) {
    u64_map<std::uint64_t> m;
    std::unordered_map<std::uint64_t, std::uint64_t> model;
    std::mt19937_64 rng(key_range);
    // Keys as the cache makes them: a space in the high half, a page number in the low.
    std::vector<std::uint64_t> keys;
    for (std::uint64_t k = 0; k < key_range; ++k) keys.push_back((k % 3) << 32 | k / 3);
    for (int step = 0; step < 20000; ++step) {
      const std::uint64_t key = keys[rng() % key_range];
      switch (rng() % 3) {
        case 0:
        case 1: {
          const auto v = rng();
          BOOST_TEST_REQUIRE(m.insert(key, v) == v);
          model[key] = v;
          break;
        }
        case 2: {
          auto it = model.find(key);
          const std::uint64_t want = it == model.end() ? 0 : it->second;
          BOOST_TEST_REQUIRE(m.erase(key) == want);
          if (it != model.end()) model.erase(it);
          break;
        }
      }
      if (step % 997 == 0) check_same(m, model, keys);
    }
    check_same(m, model, keys);
  }
}

BOOST_AUTO_TEST_CASE(erase_if_removes_exactly_the_matching_entries) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 50; ++round) {
    u64_map<std::uint64_t> m;
    std::unordered_map<std::uint64_t, std::uint64_t> model;
    const int n = 1 + static_cast<int>(rng() % 400);
    for (int i = 0; i < n; ++i) {
      const std::uint64_t key = rng() % 600;
      m.insert(key, key * 10);
      model[key] = key * 10;
    }
    const std::uint64_t modulus = 2 + rng() % 4;
    std::size_t calls_for_kept = 0;
    m.erase_if([&](std::uint64_t k, std::uint64_t& v) {
      BOOST_TEST_REQUIRE(v == k * 10);
      if (k % modulus == 0) return true;
      ++calls_for_kept;
      return false;
    });
    std::erase_if(model, [&](const auto& kv) { return kv.first % modulus == 0; });
    std::vector<std::uint64_t> keys(600);
    for (std::uint64_t k = 0; k < 600; ++k) keys[k] = k;
    check_same(m, model, keys);
    // Every entry was offered; one that stays may be offered again after a shift.
    BOOST_TEST(calls_for_kept >= model.size());
  }
}

BOOST_AUTO_TEST_SUITE_END()
