#pragma once
// An exclusive advisory lock on a directory (flock on its LOCK file), held while an
// instance runs so that no second process, nor a second engine in this one, opens the same
// instance. Released by the destructor or release(), and by the kernel if the process dies.

#include <boost/system/error_code.hpp>

#include <filesystem>
#include <utility>

namespace jetstrand::detail {

class directory_lock {
 public:
  directory_lock() = default;
  ~directory_lock() { release(); }
  directory_lock(directory_lock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  directory_lock& operator=(directory_lock&& other) noexcept {
    if (this != &other) {
      release();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }

  // Makes `dir` (and parents) if needed. Fails with -1032 (JET_errFileAccessDenied) when
  // someone else holds the lock, with the system's error otherwise.
  static directory_lock acquire(const std::filesystem::path& dir,
                                boost::system::error_code& ec);

  bool held() const noexcept { return fd_ >= 0; }
  void release() noexcept;

 private:
  explicit directory_lock(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace jetstrand::detail
