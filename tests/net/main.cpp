#define BOOST_TEST_MODULE jetstrand_net
#include <boost/test/unit_test.hpp>
