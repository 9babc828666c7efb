#pragma once

#include <stdexcept>

namespace jetstrand::command_line {

// The command line was wrong (an unknown option, a malformed value, a missing operand): the
// program prints the message, points at the command's --help and exits 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace jetstrand::command_line
