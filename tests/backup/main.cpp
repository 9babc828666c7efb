#define BOOST_TEST_MODULE jetstrand_backup
#include <boost/test/unit_test.hpp>
