#pragma once
// Blocking access to a database_file's tree for tests: pages are read with fetch_now when
// missing, as recovery does.
#include "jetstrand/transaction.hpp"
#include "storage/database_file.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

namespace jetstrand::test {

inline void put_now(storage::database_file& db, const std::string& key, const std::string& value) {
  auto t = std::make_shared<transaction>();
  t->put(db.name(), key, value);
  BOOST_TEST_REQUIRE(!db.apply_now(t, t->ops().front()));
}

inline void erase_now(storage::database_file& db, const std::string& key) {
  auto t = std::make_shared<transaction>();
  t->erase(db.name(), key);
  BOOST_TEST_REQUIRE(!db.apply_now(t, t->ops().front()));
}

// An inline value, or nullopt when the key is absent.
inline std::optional<std::string> get_now(storage::database_file& db, const std::string& key) {
  for (;;) {
    storage::btree::value v;
    std::uint32_t missing = 0;
    switch (db.tree().find(key, v, missing)) {
      case storage::btree::outcome::absent: return std::nullopt;
      case storage::btree::outcome::found: return v.bytes;
      case storage::btree::outcome::missing: BOOST_TEST_REQUIRE(!db.fetch_now(missing)); break;
    }
  }
}

// How many keys the tree holds.
inline std::size_t count_now(storage::database_file& db) {
  storage::btree::scan_result found;
  std::string from;
  for (;;) {
    std::optional<std::string> next;
    std::uint32_t missing = 0;
    if (db.tree().scan_leaf(from, {}, SIZE_MAX, true, found, next, missing) ==
        storage::btree::outcome::missing) {
      BOOST_TEST_REQUIRE(!db.fetch_now(missing));
      continue;
    }
    if (!next) return found.entries.size();
    from = *next;
  }
}

}  // namespace jetstrand::test
