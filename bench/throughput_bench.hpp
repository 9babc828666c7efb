#pragma once
#include <span>

namespace jetstrand::bench {
// jetstrand-bench throughput: a full streaming backup (in-process to a null sink, and one
// HTTP download) against a pread loop over the same files.
int throughput(std::span<char*> args);
}  // namespace jetstrand::bench
