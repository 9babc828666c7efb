#pragma once
// The one clock of the measurements: steady time in nanoseconds, comparable across threads.

#include <chrono>
#include <cstdint>

namespace jetstrand::bench {

inline std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace jetstrand::bench
