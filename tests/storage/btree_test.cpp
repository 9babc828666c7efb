// The B+tree's algorithms against std::map, on an in-memory page store that copies on write
// as the database does; every page is checked after every change.
#include "storage/btree.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <random>
#include <set>

using namespace jetstrand;
using namespace jetstrand::storage;

namespace {

struct memory_pages final : tree_pages {
  explicit memory_pages(std::size_t size) : size_(size) {
    std::uint32_t p = 0;
    write_leaf(new_page(p), size_, {});
    root = p;
    clean.insert(p);
  }
  std::size_t page_size() const noexcept override { return size_; }
  unsigned char* resident(std::uint32_t p) noexcept override {
    auto it = pages.find(p);
    return it == pages.end() ? nullptr : it->second.data();
  }
  unsigned char* writable(std::uint32_t& p) override {
    if (!clean.count(p)) return pages.at(p).data();
    auto bytes = pages.at(p);
    release(p);
    auto* out = new_page(p);
    std::copy(bytes.begin(), bytes.end(), out);
    return out;
  }
  unsigned char* new_page(std::uint32_t& p) override {
    p = next++;
    return pages.emplace(p, std::vector<unsigned char>(size_, 0)).first->second.data();
  }
  void release(std::uint32_t p) override {
    BOOST_TEST_REQUIRE(pages.erase(p) == 1u, "released a page twice: " << p);
    clean.erase(p);
  }
  void release_long(const long_ref&) override { ++longs_released; }
  // A checkpoint: every page is clean, so the next change copies it.
  void checkpoint() {
    for (auto& [p, bytes] : pages) clean.insert(p);
  }

  std::size_t size_;
  std::map<std::uint32_t, std::vector<unsigned char>> pages;
  std::set<std::uint32_t> clean;
  std::uint32_t next = 2, root = 0;
  int longs_released = 0;
};

btree::value inline_value(std::string s) {
  btree::value v;
  v.bytes = std::move(s);
  return v;
}

jetstrand::entries scan_all(btree& t, std::string from, std::string to,
                              std::size_t limit) {
  btree::scan_result found;
  for (;;) {
    std::optional<std::string> next;
    std::uint32_t missing = 0;
    BOOST_TEST_REQUIRE((t.scan_leaf(from, to, limit, false, found, next, missing) == btree::outcome::found));
    if (found.entries.size() >= limit || !next) break;
    from = *next;
  }
  BOOST_TEST_REQUIRE(found.long_values.empty());
  return found.entries;
}

void check_pages(memory_pages& m) {
  for (auto& [p, bytes] : m.pages) {
    BOOST_TEST_REQUIRE(check_node_page(bytes.data(), m.size_, m.next), "page " << p << " is malformed");
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(btree_pages)

BOOST_AUTO_TEST_CASE(random_operations_match_std_map_with_copy_on_write) {
  for (std::size_t page_size : {4096u, 8192u}) {
    memory_pages m(page_size);
    btree t(m, m.root);
    std::map<std::string, std::string> model;
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
      std::string key = "k" + std::to_string(rng() % 3000);
      if (rng() % 10 == 0) key.assign(1 + rng() % max_key_size, static_cast<char>(rng()));  // any bytes, up to 255
      if (rng() % 3 == 0) {
        BOOST_TEST(t.erase(key) == (model.erase(key) == 1));
      } else {
        const std::size_t len = rng() % 8 == 0 ? rng() % (max_inline_value(page_size) + 1) : rng() % 64;
        std::string value(len, static_cast<char>('a' + rng() % 26));
        t.put(key, inline_value(value));
        model[key] = value;
      }
      if (i % 1000 == 0) {
        m.checkpoint();
        check_pages(m);
      }
    }
    check_pages(m);
    const auto all = scan_all(t, "", "", SIZE_MAX);
    BOOST_TEST_REQUIRE(all.size() == model.size());
    BOOST_TEST((std::equal(all.begin(), all.end(), model.begin(),
                           [](const auto& a, const auto& b) { return a.first == b.first && a.second == b.second; })));
    for (auto& [k, v] : model) {
      btree::value got;
      std::uint32_t missing = 0;
      BOOST_TEST_REQUIRE((t.find(k, got, missing) == btree::outcome::found));
      BOOST_TEST(got.bytes == v);
    }
  }
}

BOOST_AUTO_TEST_CASE(scan_respects_bounds_and_limit_across_leaves) {
  memory_pages m(4096);
  btree t(m, m.root);
  for (int i = 0; i < 1000; ++i) {
    char k[8];
    std::snprintf(k, sizeof k, "%04d", i);
    t.put(k, inline_value(std::string(40, 'v')));
  }
  BOOST_TEST(scan_all(t, "0100", "0200", SIZE_MAX).size() == 100u);
  BOOST_TEST(scan_all(t, "0100", "", 7).size() == 7u);
  BOOST_TEST(scan_all(t, "0995", "", SIZE_MAX).size() == 5u);
  BOOST_TEST(scan_all(t, "9", "", SIZE_MAX).empty());
  BOOST_TEST(scan_all(t, "0100", "0200", SIZE_MAX).front().first == "0100");
}

BOOST_AUTO_TEST_CASE(deletes_merge_nodes_so_the_tree_shrinks) {
  memory_pages m(4096);
  btree t(m, m.root);
  for (int i = 0; i < 20000; ++i) t.put("key" + std::to_string(i), inline_value(std::string(100, 'x')));
  const auto peak = m.pages.size();
  BOOST_TEST(peak > 500u);
  m.checkpoint();
  for (int i = 0; i < 20000; ++i) {
    if (i % 100 != 0) BOOST_TEST(t.erase("key" + std::to_string(i)));
  }
  check_pages(m);
  // 200 entries of ~115 bytes fit in about six 4 KiB pages; merges leave at most a few more.
  BOOST_TEST(m.pages.size() <= 12u, m.pages.size() << " pages left of " << peak);
  BOOST_TEST(scan_all(t, "", "", SIZE_MAX).size() == 200u);
  for (int i = 0; i < 20000; i += 100) BOOST_TEST(t.erase("key" + std::to_string(i)));
  BOOST_TEST(m.pages.size() == 1u);  // the root leaf, empty
}

BOOST_AUTO_TEST_CASE(replacing_or_erasing_a_long_value_releases_it) {
  memory_pages m(4096);
  btree t(m, m.root);
  btree::value v;
  v.is_long = true;
  v.ref = {100000, 5000, 42};
  t.put("a", v);
  btree::value got;
  std::uint32_t missing = 0;
  BOOST_TEST_REQUIRE((t.find("a", got, missing) == btree::outcome::found));
  BOOST_TEST(got.is_long);
  BOOST_TEST(got.ref.first_page == 5000u);
  BOOST_TEST(got.ref.length == 100000u);
  t.put("a", inline_value("short"));
  BOOST_TEST(m.longs_released == 1);
  t.put("a", v);
  BOOST_TEST(t.erase("a"));
  BOOST_TEST(m.longs_released == 2);
}

BOOST_AUTO_TEST_CASE(keys_compare_as_string_views_do) {
  std::mt19937 rng(5);
  // Short alphabets and shared prefixes so that equal bytes, ties in length and bytes
  // over 0x7f (unsigned in the order) all come up, across the 8-byte steps.
  const char alphabet[] = {'\0', '\1', 'a', '\x7f', '\x80', '\xff'};
  const auto random_key = [&] {
    std::string k = rng() % 3 == 0 ? "k00000000000" : "";
    const std::size_t tail = rng() % 20;
    for (std::size_t i = 0; i < tail; ++i) k += alphabet[rng() % sizeof alphabet];
    return k;
  };
  const auto sign = [](int c) { return (c > 0) - (c < 0); };
  for (int i = 0; i < 200000; ++i) {
    const std::string a = random_key(), b = rng() % 4 == 0 ? a : random_key();
    BOOST_TEST_REQUIRE(sign(compare_keys(a, b)) == sign(std::string_view(a).compare(b)),
                       "a=" << a.size() << " bytes, b=" << b.size() << " bytes");
  }
}

BOOST_AUTO_TEST_CASE(in_place_leaf_changes_keep_the_page_packed_and_sorted) {
  const std::size_t ps = 4096;
  std::vector<unsigned char> page(ps, 0);
  write_leaf(page.data(), ps, {});
  std::map<std::string, std::string> model;
  std::mt19937 rng(11);
  // Keys added in a scattered order, in place, until the leaf has no room for the next.
  for (;;) {
    const std::string key = "key" + std::to_string(rng() % 100000);
    if (model.count(key)) continue;
    const std::string value(rng() % 40, static_cast<char>('a' + rng() % 26));
    const auto pos = lower_bound(page.data(), key);
    const auto before = page;
    if (!insert_leaf_entry(page.data(), ps, pos, {key, value, false})) {
      BOOST_TEST((page == before));  // refused: untouched
      // Refused only when the entry does not fit in what the packed entries leave.
      BOOST_TEST(leaf_bytes(leaf_entries(page.data())) + leaf_entry_bytes({key, value, false}) > page_payload(ps));
      break;
    }
    model[key] = value;
  }
  BOOST_TEST_REQUIRE(model.size() > 50u);
  // Same length: overwritten in place. Another length or kind: refused, the page untouched.
  const std::string first = model.begin()->first;
  const std::string same(model.begin()->second.size(), 'Z');
  BOOST_TEST(replace_leaf_value(page.data(), 0, {first, same, false}));
  model[first] = same;
  const auto before = page;
  BOOST_TEST(!replace_leaf_value(page.data(), 0, {first, same + "!", false}));
  BOOST_TEST(!replace_leaf_value(page.data(), 0, {first, std::string(long_ref_size, 'L'), true}));
  BOOST_TEST((page == before));

  BOOST_TEST_REQUIRE(check_node_page(page.data(), ps, 2));
  const auto entries = leaf_entries(page.data());
  BOOST_TEST_REQUIRE(entries.size() == model.size());
  std::size_t i = 0;
  for (const auto& [k, v] : model) {
    BOOST_TEST(entries[i].key == k);
    BOOST_TEST(entries[i].value == v);
    ++i;
  }
  // Packed: the entries and slots fill the page from both ends with no hole, so the free
  // space is exactly what a rebuild would leave.
  std::size_t lowest = ps;
  for (std::size_t j = 0; j < entries.size(); ++j) {
    lowest = std::min<std::size_t>(lowest, static_cast<std::size_t>(
                                               reinterpret_cast<const unsigned char*>(entries[j].key.data()) -
                                               page.data() - leaf_entry_header));
  }
  BOOST_TEST(ps - lowest + entries.size() * slot_size == leaf_bytes(entries));
}

BOOST_AUTO_TEST_CASE(a_missing_page_is_named_not_read) {
  memory_pages m(4096);
  btree t(m, m.root);
  for (int i = 0; i < 2000; ++i) t.put("k" + std::to_string(i), inline_value(std::string(50, 'v')));
  // Drop a leaf from memory: lookups that need it say which page, and change nothing.
  btree::value got;
  std::uint32_t missing = 0;
  const unsigned char* root = m.resident(m.root);
  BOOST_TEST_REQUIRE((node_type(root) == page_type::branch));
  const auto leaf = branch_child(root, 0);
  auto saved = m.pages.at(leaf);
  m.pages.erase(leaf);
  BOOST_TEST((t.find("k0", got, missing) == btree::outcome::missing));
  BOOST_TEST(missing == leaf);
  BOOST_TEST(t.first_missing("k0", false) == leaf);
  m.pages.emplace(leaf, saved);
  BOOST_TEST(t.first_missing("k0", false) == 0u);
  BOOST_TEST((t.find("k0", got, missing) == btree::outcome::found));
}

BOOST_AUTO_TEST_CASE(a_lookup_goes_on_from_the_page_it_missed_without_the_pages_above) {
  memory_pages m(4096);
  btree t(m, m.root);
  const auto value_of = [](int i) { return "value-" + std::to_string(i * 7); };
  for (int i = 0; i < 30000; ++i) t.put("k" + std::to_string(i), inline_value(value_of(i)));
  // Three levels: the root, a branch below it, a leaf below that.
  const unsigned char* root = m.resident(m.root);
  BOOST_TEST_REQUIRE((node_type(root) == page_type::branch));
  const auto branch = branch_child(root, 1);
  BOOST_TEST_REQUIRE((node_type(m.resident(branch)) == page_type::branch));
  const auto leaf = branch_child(m.resident(branch), 0);
  BOOST_TEST_REQUIRE((node_type(m.resident(leaf)) == page_type::leaf));
  const std::string key(entry_key(m.resident(leaf), 0));

  // The branch is missing: find() names it. Once it is back, the lookup goes on from it,
  // even with the root gone meanwhile (find() from the root would report the root).
  const auto saved_branch = m.pages.at(branch);
  const auto saved_leaf = m.pages.at(leaf);
  const auto saved_root = m.pages.at(m.root);
  m.pages.erase(branch);
  m.pages.erase(leaf);
  btree::value got;
  std::uint32_t missing = 0;
  BOOST_TEST_REQUIRE((t.find(key, got, missing) == btree::outcome::missing));
  BOOST_TEST_REQUIRE(missing == branch);
  m.pages.emplace(branch, saved_branch);
  m.pages.erase(m.root);
  BOOST_TEST_REQUIRE((t.find_from(missing, key, got, missing) == btree::outcome::missing));
  BOOST_TEST(missing == leaf);  // the next page down, not the root
  m.pages.emplace(leaf, saved_leaf);
  BOOST_TEST_REQUIRE((t.find_from(missing, key, got, missing) == btree::outcome::found));
  BOOST_TEST(!got.is_long);
  BOOST_TEST(got.bytes == value_of(std::stoi(key.substr(1))));
  // A key not in the tree: absent, as find() says.
  BOOST_TEST((t.find_from(leaf, key + "x", got, missing) == btree::outcome::absent));
  BOOST_TEST((t.find(key, got, missing) == btree::outcome::missing));
  BOOST_TEST(missing == m.root);
  m.pages.emplace(m.root, saved_root);
  BOOST_TEST((t.find(key, got, missing) == btree::outcome::found));
}

BOOST_AUTO_TEST_SUITE_END()
