#define BOOST_TEST_MODULE jetstrand_cli
#include <boost/test/unit_test.hpp>
