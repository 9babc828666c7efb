#include "io/pool_file.hpp"

#include "jetstrand/detail/pending_completion.hpp"

#include <boost/asio/post.hpp>

#include <cerrno>
#include <unistd.h>

namespace jetstrand::io::detail {
namespace {

using boost::system::error_code;

error_code last_error() { return {errno, boost::system::system_category()}; }

class pool_file final : public file_impl, public std::enable_shared_from_this<pool_file> {
 public:
  pool_file(boost::asio::any_io_executor ex, int fd, std::shared_ptr<blocking_pool> pool)
      : executor_(std::move(ex)), fd_(fd), pool_(std::move(pool)) {}
  ~pool_file() override { ::close(fd_); }

  boost::asio::any_io_executor get_executor() const override { return executor_; }
  int native_handle() const noexcept override { return fd_; }

  void read_some_at(std::uint64_t offset, boost::asio::mutable_buffer b,
                    io_handler h) override {
    run(std::move(h), [fd = fd_, offset, b] {
      return ::pread(fd, b.data(), b.size(), static_cast<off_t>(offset));
    });
  }

  void write_some_at(std::uint64_t offset, boost::asio::const_buffer b,
                     io_handler h) override {
    run(std::move(h), [fd = fd_, offset, b] {
      return ::pwrite(fd, b.data(), b.size(), static_cast<off_t>(offset));
    });
  }

  void sync_data(sync_handler h) override {
    sync_data_on_pool(*pool_, executor_, shared_from_this(), fd_, std::move(h));
  }

 private:
  template <typename Syscall>
  void run(io_handler h, Syscall call) {
    ::jetstrand::detail::pending_completion<io_handler, boost::asio::any_io_executor> pending(std::move(h),
                                                                         executor_);
    boost::asio::post(pool_->get_executor(), [self = shared_from_this(),
                                              pending = std::move(pending), call]() mutable {
      if (pending.cancelled()) {
        std::move(pending).complete(boost::asio::error::operation_aborted, std::size_t{0});
        return;
      }
      ssize_t n;
      do {
        n = call();
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        std::move(pending).complete(last_error(), std::size_t{0});
      } else {
        std::move(pending).complete(error_code{}, static_cast<std::size_t>(n));
      }
    });
  }

  boost::asio::any_io_executor executor_;
  int fd_;
  std::shared_ptr<blocking_pool> pool_;
};

}  // namespace

std::shared_ptr<file_impl> make_pool_file(boost::asio::any_io_executor ex, int fd,
                                          std::shared_ptr<blocking_pool> pool) {
  return std::make_shared<pool_file>(std::move(ex), fd, std::move(pool));
}

void sync_data_on_pool(blocking_pool& pool, const boost::asio::any_io_executor& ex,
                       std::shared_ptr<file_impl> keep_alive, int fd, sync_handler h) {
  ::jetstrand::detail::pending_completion<sync_handler, boost::asio::any_io_executor> pending(std::move(h), ex);
  boost::asio::post(pool.get_executor(), [keep_alive = std::move(keep_alive), fd,
                                          pending = std::move(pending)]() mutable {
    if (pending.cancelled()) {
      std::move(pending).complete(boost::asio::error::operation_aborted);
      return;
    }
    int rc;
    do {
      rc = ::fdatasync(fd);
    } while (rc < 0 && errno == EINTR);
    std::move(pending).complete(rc < 0 ? last_error() : error_code{});
  });
}

}  // namespace jetstrand::io::detail
