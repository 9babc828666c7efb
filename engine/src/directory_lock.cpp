#include "jetstrand/detail/directory_lock.hpp"

#include "jetstrand/error.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace jetstrand::detail {

directory_lock directory_lock::acquire(const std::filesystem::path& dir,
                                       boost::system::error_code& ec) {
  std::error_code sec;
  std::filesystem::create_directories(dir, sec);
  if (sec) {
    ec.assign(sec.value(), boost::system::system_category());
    return {};
  }
  int fd = ::open((dir / "LOCK").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    ec.assign(errno, boost::system::system_category());
    return {};
  }
  // flock locks belong to the open file description: a second open of the same file, in
  // this process or another, conflicts.
  if (::flock(fd, LOCK_EX | LOCK_NB) < 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      ec = jet_errc::file_access_denied;
    } else {
      ec.assign(err, boost::system::system_category());
    }
    return {};
  }
  ec.clear();
  return directory_lock(fd);
}

void directory_lock::release() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);  // closing the only descriptor drops the flock
    fd_ = -1;
  }
}

}  // namespace jetstrand::detail
