#pragma once
#include <span>

namespace jetstrand::bench {
// jetstrand-bench abort-http: stop latency of running downloads, as HTTP clients see it.
int abort_http(std::span<char*> args);
}  // namespace jetstrand::bench
