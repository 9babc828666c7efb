#define BOOST_TEST_MODULE jetstrand_backup_concurrency
#include <boost/test/unit_test.hpp>
