# The C++ guide shows examples/streaming_backup.cpp verbatim (the example is built and run as a
# test, so the guide's code is known to compile and work). Run with -D SOURCE_DIR=….
file(READ "${SOURCE_DIR}/docs/cpp-guide.md" guide)
file(READ "${SOURCE_DIR}/examples/streaming_backup.cpp" example)
string(FIND "${guide}" "```cpp\n${example}```" at)
if(at EQUAL -1)
  message(FATAL_ERROR "docs/cpp-guide.md does not show examples/streaming_backup.cpp as it is: copy it in again")
endif()
