#pragma once
#include <span>

namespace jetstrand::bench {
// jetstrand-bench foreground: commit latency with and without a backup running.
int foreground(std::span<char*> args);
}  // namespace jetstrand::bench
