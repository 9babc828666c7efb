#define BOOST_TEST_MODULE jetstrand_storage
#include <boost/test/unit_test.hpp>
