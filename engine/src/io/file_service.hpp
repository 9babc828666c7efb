#pragma once
// Opens files on the backend chosen at construction (see backend_kind.hpp).
//
// The service owns the small thread pool used by the thread_pool backend and, on both
// backends, by fdatasync. It must outlive nothing: open files and operations in flight keep
// what they need alive. Its destructor joins the pool after pending work has run.

#include "jetstrand/file_backend.hpp"
#include "io/file.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <filesystem>
#include <functional>
#include <memory>

namespace jetstrand::io {

enum class open_mode { read_only, read_write, create_read_write };

namespace detail {
class blocking_pool;
}

class file_service {
 public:
  // Throws boost::system::system_error when io_uring is asked for explicitly (argument or
  // environment) and the kernel refuses it, or the environment names no backend.
  file_service(boost::asio::any_io_executor ex, backend_kind requested,
               std::size_t pool_threads = 2);
  ~file_service();
  file_service(const file_service&) = delete;
  file_service& operator=(const file_service&) = delete;

  // The backend in use: never `automatic`.
  backend_kind kind() const noexcept { return kind_; }

  // Opens (or creates) a file; close-on-exec. Errors are the system's (ENOENT, EACCES, ...).
  file open(const std::filesystem::path& path, open_mode mode,
            boost::system::error_code& ec) const;

  // Runs `work` (blocking file-system calls: creating, syncing, renaming a file) on the
  // service's threads, never in the caller's; `done` gets its result on the handler's
  // associated executor (default: the service's), never inside this call. `work` runs
  // whole: a cancellation asked for meanwhile turns a success into operation_aborted.
  void run_blocking(std::function<boost::system::error_code()> work, sync_handler done) const;

 private:
  boost::asio::any_io_executor executor_;
  backend_kind kind_;
  std::shared_ptr<detail::blocking_pool> pool_;
};

// io_uring availability, probed by creating Asio's io_uring service on a scratch context.
bool io_uring_available() noexcept;

}  // namespace jetstrand::io
