#define BOOST_TEST_MODULE jetstrand_backup_restore
#include <boost/test/unit_test.hpp>
