#define BOOST_TEST_MODULE jetstrand_engine_concurrency
#include <boost/test/unit_test.hpp>
