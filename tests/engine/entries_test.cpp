// jetstrand::entries, what a scan returns: one block of bytes read through views.
#include "jetstrand/entries.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <iterator>
#include <ranges>
#include <string>
#include <utility>
#include <vector>

using jetstrand::entries;
using model = std::vector<std::pair<std::string, std::string>>;

static_assert(std::random_access_iterator<entries::const_iterator>);
static_assert(std::ranges::random_access_range<const entries>);
static_assert(std::ranges::sized_range<const entries>);

namespace {

bool same(const entries& got, const model& want) {
  return std::ranges::equal(got, want, [](const auto& a, const auto& b) {
    return a.first == b.first && a.second == b.second;
  });
}

model sample() {
  return {
      {"a", ""},
      {std::string("k\0ey", 4), std::string("v\0\xff", 3)},  // bytes, not C strings
      {"key3", std::string(5000, 'x')},                       // longer than the first reserve
      {std::string(255, '\x80'), "last"},
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scan_entries)

BOOST_AUTO_TEST_CASE(entries_read_back_what_was_pushed_in_order) {
  entries e;
  BOOST_TEST(e.empty());
  BOOST_TEST((e.begin() == e.end()));
  const auto want = sample();
  e.reserve(2, 16);  // fewer than pushed: the batch grows
  for (const auto& [k, v] : want) e.push_back(k, v);
  BOOST_TEST_REQUIRE(e.size() == want.size());
  BOOST_TEST(same(e, want));
  BOOST_TEST((e.front().first == "a"));
  BOOST_TEST((e.back().second == "last"));
  BOOST_TEST((e[1].first == std::string_view("k\0ey", 4)));
  // Iterator arithmetic agrees with indexing.
  auto it = e.begin() + 2;
  BOOST_TEST((it[1].second == "last"));
  BOOST_TEST(((*it).second.size() == 5000u));
  BOOST_TEST((e.end() - e.begin() == static_cast<std::ptrdiff_t>(want.size())));
  BOOST_TEST(((*(e.end() - 1)).first.size() == 255u));
}

BOOST_AUTO_TEST_CASE(views_stay_valid_when_the_batch_moves) {
  // One tiny entry too: a std::string would keep it in its short buffer, which a move
  // copies, and a view into it would then dangle.
  for (const model& want : {model{{"k", "v"}}, sample()}) {
    entries e;
    for (const auto& [k, v] : want) e.push_back(k, v);
    std::vector<entries::value_type> views(e.begin(), e.end());
    entries moved = std::move(e);
    entries assigned;
    assigned = std::move(moved);
    BOOST_TEST_REQUIRE(assigned.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      BOOST_TEST((views[i].first.data() == assigned[i].first.data()));
      BOOST_TEST((views[i].first == want[i].first));
      BOOST_TEST((views[i].second == want[i].second));
    }
  }
}

BOOST_AUTO_TEST_CASE(set_value_and_erase_change_only_their_entry) {
  auto want = sample();
  entries e;
  for (const auto& [k, v] : want) e.push_back(k, v);
  const auto before = e.byte_size();
  e.set_value(1, std::string(3000, 'y'));  // a long value read after the leaf was listed
  want[1].second = std::string(3000, 'y');
  BOOST_TEST(same(e, want));
  BOOST_TEST(e.byte_size() == before + 3000u);
  e.erase(2);  // its long value vanished while it was read
  want.erase(want.begin() + 2);
  BOOST_TEST(same(e, want));
  e.erase(0);
  want.erase(want.begin());
  BOOST_TEST(same(e, want));
}

BOOST_AUTO_TEST_CASE(copies_hold_bytes_of_their_own_and_compare_by_content) {
  entries e;
  for (const auto& [k, v] : sample()) e.push_back(k, v);
  entries copy = e;
  BOOST_TEST((copy == e));
  BOOST_TEST((copy[0].first.data() != e[0].first.data()));
  copy.set_value(0, "changed");
  BOOST_TEST(!(copy == e));
  BOOST_TEST((e[0].second.empty()));
  entries shorter = e;
  shorter.erase(3);
  BOOST_TEST(!(shorter == e));
}

BOOST_AUTO_TEST_SUITE_END()
