#include "io/file_service.hpp"

#include "detail/pending_completion.hpp"
#include "io/posix.hpp"

#include "io/blocking_pool.hpp"
#include "io/pool_file.hpp"
#include "io/uring_file.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/random_access_file.hpp>
#include <boost/system/system_error.hpp>

#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace jetstrand::io {
namespace {

backend_kind resolve(backend_kind requested) {
  if (requested == backend_kind::automatic) {
    if (const char* env = std::getenv(backend_environment_variable); env && *env) {
      auto parsed = parse_backend_kind(env);
      if (!parsed) {
        throw boost::system::system_error(
            make_error_code(boost::system::errc::invalid_argument),
            std::string(backend_environment_variable) + "=" + env +
                ": expected auto, io_uring or thread_pool");
      }
      requested = *parsed;
    }
  }
  if (requested == backend_kind::automatic) {
    return io_uring_available() ? backend_kind::io_uring : backend_kind::thread_pool;
  }
  if (requested == backend_kind::io_uring && !io_uring_available()) {
    throw boost::system::system_error(
        make_error_code(boost::system::errc::operation_not_permitted),
        "io_uring file backend requested but the kernel refuses io_uring");
  }
  return requested;
}

}  // namespace

bool io_uring_available() noexcept {
  try {
    boost::asio::io_context scratch;
    boost::asio::random_access_file probe(scratch);  // creates the io_uring service
    return true;
  } catch (...) {
    return false;
  }
}

file_service::file_service(boost::asio::any_io_executor ex, backend_kind requested,
                           std::size_t pool_threads)
    : executor_(std::move(ex)),
      kind_(resolve(requested)),
      pool_(std::make_shared<detail::blocking_pool>(pool_threads == 0 ? 1 : pool_threads)) {}

file_service::~file_service() = default;

file file_service::open(const std::filesystem::path& path, open_mode mode,
                        boost::system::error_code& ec) const {
  int flags = 0;
  switch (mode) {
    case open_mode::read_only: flags |= O_RDONLY; break;
    case open_mode::read_write: flags |= O_RDWR; break;
    case open_mode::create_read_write: flags |= O_RDWR | O_CREAT; break;
  }
  posix::unique_fd opened;
  if ((ec = posix::open(path, flags, opened))) return {};
  const int fd = opened.release();
  try {
    if (kind_ == backend_kind::io_uring) {
      return file(detail::make_uring_file(executor_, fd, pool_));
    }
    return file(detail::make_pool_file(executor_, fd, pool_));
  } catch (const boost::system::system_error& e) {
    ::close(fd);
    ec = e.code();
    return {};
  }
}

void file_service::run_blocking(std::function<boost::system::error_code()> work,
                                sync_handler done) const {
  using pending_sync = ::jetstrand::detail::pending_completion<sync_handler, boost::asio::any_io_executor>;
  pending_sync pending(std::move(done), executor_);
  // The task holds no reference to the pool: the service's destructor (or the last open
  // file's) then joins the pool, so the work has run and handed its result over before the
  // io_context, which outlives the service, is destroyed.
  boost::asio::post(pool_->get_executor(), [ex = executor_, work = std::move(work),
                                            pending = std::move(pending)]() mutable {
    const auto ec = work();
    boost::asio::post(ex, [pending = std::move(pending), ec]() mutable { std::move(pending).complete(ec); });
  });
}

std::uint64_t file::size(boost::system::error_code& ec) const {
  struct stat st {};
  if (::fstat(native_handle(), &st) < 0) {
    ec.assign(errno, boost::system::system_category());
    return 0;
  }
  ec.clear();
  return static_cast<std::uint64_t>(st.st_size);
}

void file::resize(std::uint64_t size, boost::system::error_code& ec) {
  if (::ftruncate(native_handle(), static_cast<off_t>(size)) < 0) {
    ec.assign(errno, boost::system::system_category());
    return;
  }
  ec.clear();
}

}  // namespace jetstrand::io
