#pragma once

#include <span>

namespace jetstrand::bench {

// `jetstrand-bench commit`: durable commits per second and latency, N concurrent writers.
int commit(std::span<char*> args);
// `jetstrand-bench recovery`: time to open an instance whose log holds --log-size of
// commits past its last checkpoint (a crash image), i.e. load + redo.
int recovery(std::span<char*> args);

}  // namespace jetstrand::bench
