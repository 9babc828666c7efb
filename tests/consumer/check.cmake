# cmake -D SOURCE_DIR=... -D BUILD_DIR=... -D WORK_DIR=... -D MODE=install|subdirectory -P check.cmake
# Builds tests/consumer against jetstrand and runs it.
cmake_policy(VERSION 3.25)
file(REMOVE_RECURSE "${WORK_DIR}")
if(MODE STREQUAL "install")
  execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix"
                  RESULT_VARIABLE rc OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install failed")
  endif()
  set(configure_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
  # Only what a user calls is installed: the strand machinery (detail/), the file layer
  # (io/) and the backup's sessions stay in the source tree.
  file(GLOB_RECURSE installed RELATIVE "${WORK_DIR}/prefix/include" "${WORK_DIR}/prefix/include/*")
  file(GLOB_RECURSE installed_dirs LIST_DIRECTORIES true RELATIVE "${WORK_DIR}/prefix/include"
       "${WORK_DIR}/prefix/include/*")
  foreach(path IN LISTS installed installed_dirs)
    if(path MATCHES "(^|/)(detail|io|src)(/|$)|session|progress_book|read_plan|read_chain")
      message(FATAL_ERROR "an internal header is installed: include/${path}")
    endif()
  endforeach()
  if(NOT "jetstrand/instance.hpp" IN_LIST installed OR NOT "jetstrand/backup/streaming_backup.hpp" IN_LIST installed)
    message(FATAL_ERROR "the public headers are missing from the install: ${installed}")
  endif()
else()
  set(configure_args -DJETSTRAND_SOURCE_DIR=${SOURCE_DIR})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/build"
                        -G Ninja ${configure_args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the consumer failed:\n${out}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${WORK_DIR}/build" -j2
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the consumer failed:\n${out}")
endif()
execute_process(COMMAND "${WORK_DIR}/build/consumer" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer failed (${rc}): ${out}")
endif()
message(STATUS "consumer (${MODE}): ${out}")
