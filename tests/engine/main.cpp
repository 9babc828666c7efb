#define BOOST_TEST_MODULE jetstrand_engine
#include <boost/test/unit_test.hpp>
