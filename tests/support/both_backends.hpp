#pragma once
// BOTH_BACKENDS(name) { ... kind ... }: one test body, registered twice — as name_io_uring
// and name_thread_pool — so that CTest reports each file backend on its own.

#include "jetstrand/file_backend.hpp"

#include <boost/test/unit_test.hpp>

#define BOTH_BACKENDS(name)                                                        \
  static void name(::jetstrand::io::backend_kind);                                 \
  BOOST_AUTO_TEST_CASE(name##_io_uring) { name(::jetstrand::io::backend_kind::io_uring); } \
  BOOST_AUTO_TEST_CASE(name##_thread_pool) {                                       \
    name(::jetstrand::io::backend_kind::thread_pool);                              \
  }                                                                                \
  static void name(::jetstrand::io::backend_kind kind)
