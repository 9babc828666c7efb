#define BOOST_TEST_MODULE jetstrand_bench
#include <boost/test/unit_test.hpp>
