#include "jetstrand/file_backend.hpp"

namespace jetstrand::io {

std::string_view to_string(backend_kind k) noexcept {
  switch (k) {
    case backend_kind::automatic: return "auto";
    case backend_kind::io_uring: return "io_uring";
    case backend_kind::thread_pool: return "thread_pool";
  }
  return "?";
}

std::optional<backend_kind> parse_backend_kind(std::string_view s) noexcept {
  for (auto k : {backend_kind::automatic, backend_kind::io_uring, backend_kind::thread_pool}) {
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

}  // namespace jetstrand::io
