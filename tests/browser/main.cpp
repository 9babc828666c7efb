#define BOOST_TEST_MODULE jetstrand_browser
#include <boost/test/unit_test.hpp>
