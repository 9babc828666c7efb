#pragma once

#include <span>

namespace jetstrand::bench {

// `jetstrand-bench page-cache`: the page cache alone, no I/O: nanoseconds per hit among
// resident pages, and per miss (make room, insert, evict) over pages 8x the budget.
int page_cache_costs(std::span<char*> args);

}  // namespace jetstrand::bench
