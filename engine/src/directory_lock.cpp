#include "detail/directory_lock.hpp"

#include "jetstrand/error.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "io/posix.hpp"

namespace jetstrand::detail {

directory_lock directory_lock::acquire(const std::filesystem::path& dir,
                                       boost::system::error_code& ec) {
  std::error_code sec;
  std::filesystem::create_directories(dir, sec);
  if (sec) {
    ec.assign(sec.value(), boost::system::system_category());
    return {};
  }
  io::posix::unique_fd opened;
  if ((ec = io::posix::open(dir / "LOCK", O_RDWR | O_CREAT, opened))) return {};
  const int fd = opened.release();
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
