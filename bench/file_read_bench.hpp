#pragma once

#include <span>

namespace jetstrand::bench {

// `jetstrand-bench file-read`: sequential read throughput through the async file layer,
// per backend, against a plain pread loop over the same warm file (the ceiling).
int file_read(std::span<char*> args);

}  // namespace jetstrand::bench
