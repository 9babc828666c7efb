#pragma once

#include <span>

namespace jetstrand::bench {

// `jetstrand-bench abort`: in-process, N read chains over a database; a thread that is not
// an io thread calls the stop at a random moment; latency = from the stop call to the
// completion of the last chain.
int abort_latency(std::span<char*> args);

}  // namespace jetstrand::bench
