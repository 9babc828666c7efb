#pragma once
#include <span>

namespace jetstrand::bench {
// Backup downloads over loopback HTTP: throughput (curl to /dev/null vs cat of the same
// file) and the time from POST …/backup/stop to the end of the last of N downloads.
int http_download(std::span<char*> args);
}  // namespace jetstrand::bench
