#define BOOST_TEST_MODULE jetstrand_s3
#include <boost/test/unit_test.hpp>
