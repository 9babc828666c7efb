#pragma once
// jetstrand driven the way an async server drives it; see kv_jetstrand_async.cpp.

#include "storage_workload.hpp"

namespace jetstrand::bench {

// Runs `jetstrand-bench storage`'s workload on jetstrand with every operation a coroutine
// on the engine's own io_context (two threads): no caller blocks on a future in another
// thread. fill_lazy keeps one commit in flight and fill_durable `writers`, as the blocking
// systems do; gets and scans keep `async_callers` in flight. Reports as "jetstrand-async".
void run_jetstrand_async(const std::filesystem::path& dir, const settings& s);

}  // namespace jetstrand::bench
