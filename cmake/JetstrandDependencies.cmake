# Boost 1.81 exactly (Debian bookworm), only the components we use, and liburing.
find_package(Boost 1.81.0 EXACT CONFIG REQUIRED COMPONENTS json url log log_setup)
if(JETSTRAND_BUILD_TESTS)
  find_package(Boost 1.81.0 EXACT CONFIG REQUIRED COMPONENTS unit_test_framework)
endif()
find_package(Threads REQUIRED)
# TLS for the HTTP endpoint and the client (Debian libssl-dev).
find_package(OpenSSL REQUIRED)
# zstd for compressed backup sets (Debian libzstd-dev).
find_package(zstd 1.4 REQUIRED CONFIG)

find_path(LIBURING_INCLUDE_DIR liburing.h REQUIRED)
find_library(LIBURING_LIBRARY uring REQUIRED)
if(NOT TARGET jetstrand::uring)
  add_library(jetstrand::uring UNKNOWN IMPORTED)
  set_target_properties(jetstrand::uring PROPERTIES
    IMPORTED_LOCATION "${LIBURING_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LIBURING_INCLUDE_DIR}")
endif()
