#pragma once
// `jetstrand backup`, `jetstrand restore` and `jetstrand verify` (SPEC §5).

#include <span>

namespace jetstrand::cli {

int backup_command(std::span<char*> argv);
int restore_command(std::span<char*> argv);
int verify_command(std::span<char*> argv);

}  // namespace jetstrand::cli
