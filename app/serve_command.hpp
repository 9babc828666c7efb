#pragma once

#include <span>

namespace jetstrand::cli {

// `jetstrand serve ...`: returns the process exit code.
int serve_command(std::span<char*> args);

}  // namespace jetstrand::cli
