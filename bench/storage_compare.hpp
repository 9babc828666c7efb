#pragma once

#include <span>

namespace jetstrand::bench {

// `jetstrand-bench storage`: jetstrand against RocksDB and SQLite (fill, gets hot and cold,
// scans) with the same cache budget; see storage_compare.cpp.
int storage(std::span<char*> args);

}  // namespace jetstrand::bench
