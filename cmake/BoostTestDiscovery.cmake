# jetstrand_discover_tests(<target> [LABELS l...] [ENVIRONMENT e...])
#
# CMake 3.25 has no Boost.Test discovery, so we do what gtest_discover_tests does: after
# each build, run `<target> --list_content` and write a CTest include file with one
# add_test() per test case (named suite/case, run with --run_test=suite/case).
set(_jetstrand_discovery_script ${CMAKE_CURRENT_LIST_DIR}/BoostTestDiscoveryScript.cmake)

function(jetstrand_discover_tests target)
  cmake_parse_arguments(arg "" "" "LABELS;ENVIRONMENT" ${ARGN})
  set(ctest_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_tests.cmake")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND}
      -D "TEST_EXECUTABLE=$<TARGET_FILE:${target}>"
      -D "TEST_TARGET=${target}"
      -D "CTEST_FILE=${ctest_file}"
      -D "TEST_LABELS=${arg_LABELS}"
      -D "TEST_ENVIRONMENT=${arg_ENVIRONMENT}"
      -D "TEST_WORKING_DIRECTORY=${CMAKE_CURRENT_BINARY_DIR}"
      -P ${_jetstrand_discovery_script}
    BYPRODUCTS ${ctest_file}
    VERBATIM)
  # Include the list only once it exists: a build of selected targets leaves others unbuilt.
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_include.cmake")
  file(WRITE "${include_file}" "if(EXISTS \"${ctest_file}\")\n  include(\"${ctest_file}\")\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()
