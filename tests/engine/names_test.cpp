#include "jetstrand/names.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

BOOST_AUTO_TEST_SUITE(names)

BOOST_AUTO_TEST_CASE(accepts_the_spec_alphabet_up_to_64) {
  BOOST_TEST(jetstrand::is_valid_name("a"));
  BOOST_TEST(jetstrand::is_valid_name("Default_db-01"));
  BOOST_TEST(jetstrand::is_valid_name(std::string(64, 'x')));
}

BOOST_AUTO_TEST_CASE(rejects_paths_dots_and_other_bytes) {
  for (std::string bad : {std::string(), std::string(65, 'x'), std::string("a/b"),
                          std::string(".."), std::string("."), std::string("a.b"),
                          std::string("%2e%2e"), std::string("a b"), std::string("\xc3\xa9"),
                          std::string("a\0b", 3), std::string("a\\b")}) {
    BOOST_TEST_CONTEXT("name '" << bad << "'") { BOOST_TEST(!jetstrand::is_valid_name(bad)); }
  }
}

BOOST_AUTO_TEST_SUITE_END()
