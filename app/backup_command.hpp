#pragma once
// The commands on backups: backup, restore, verify, list, prune.

#include <span>

namespace jetstrand::cli {

int backup_command(std::span<char*> argv);
int restore_command(std::span<char*> argv);
int verify_command(std::span<char*> argv);
int list_command(std::span<char*> argv);   // repository_commands.cpp
int prune_command(std::span<char*> argv);  // repository_commands.cpp

}  // namespace jetstrand::cli
