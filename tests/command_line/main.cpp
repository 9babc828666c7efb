#define BOOST_TEST_MODULE jetstrand_command_line
#include <boost/test/unit_test.hpp>
