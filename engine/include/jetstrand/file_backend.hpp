#pragma once
// Which file backend an engine uses (engine_options::file_backend, restore_options).

#include <optional>
#include <string_view>

namespace jetstrand::io {

// Which implementation performs file I/O.
//   io_uring    - Asio random_access_file (liburing); the default where the kernel allows it.
//   thread_pool - pread/pwrite on a small pool of threads, completing back on the caller's
//                 executor; used where io_uring is refused (some containers forbid it).
//   automatic   - the environment variable JETSTRAND_FILE_BACKEND if set, else io_uring
//                 when a probe succeeds, else thread_pool.
enum class backend_kind { automatic, io_uring, thread_pool };

std::string_view to_string(backend_kind) noexcept;
// Accepts "auto", "io_uring", "thread_pool".
std::optional<backend_kind> parse_backend_kind(std::string_view) noexcept;

inline constexpr const char* backend_environment_variable = "JETSTRAND_FILE_BACKEND";

}  // namespace jetstrand::io
