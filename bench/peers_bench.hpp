#pragma once
#include <span>

namespace jetstrand::bench {
// jetstrand-bench peers: RocksDB's BackupEngine and SQLite's online backup beside jetstrand.
int peers(std::span<char*> args);
}  // namespace jetstrand::bench
