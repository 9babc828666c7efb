#include "io/uring_file.hpp"

#include "detail/pending_completion.hpp"
#include "io/pool_file.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/random_access_file.hpp>

namespace jetstrand::io::detail {
namespace {

using boost::system::error_code;

class uring_file final : public file_impl, public std::enable_shared_from_this<uring_file> {
 public:
  uring_file(boost::asio::any_io_executor ex, int fd, std::shared_ptr<blocking_pool> pool)
      : executor_(ex), fd_(fd), file_(ex, fd), pool_(std::move(pool)) {}

  boost::asio::any_io_executor get_executor() const override { return executor_; }
  int native_handle() const noexcept override { return fd_; }

  void read_some_at(std::uint64_t offset, boost::asio::mutable_buffer b,
                    io_handler h) override {
    run(std::move(h), /*eof_is_success=*/true,
        [&](auto handler) { file_.async_read_some_at(offset, b, std::move(handler)); });
  }

  void write_some_at(std::uint64_t offset, boost::asio::const_buffer b,
                     io_handler h) override {
    run(std::move(h), /*eof_is_success=*/false,
        [&](auto handler) { file_.async_write_some_at(offset, b, std::move(handler)); });
  }

  void sync_data(sync_handler h) override {
    sync_data_on_pool(*pool_, executor_, shared_from_this(), fd_, std::move(h));
  }

  void start_writeback(std::uint64_t offset, std::uint64_t length, sync_handler h) override {
    start_writeback_on_pool(*pool_, executor_, shared_from_this(), fd_, offset, length, std::move(h));
  }

  void write_pieces(std::vector<write_piece> pieces, std::function<void()> before, sync_handler h) override {
    write_pieces_on_pool(*pool_, executor_, shared_from_this(), fd_, std::move(pieces), std::move(before),
                         std::move(h));
  }

  void write_and_sync_data(std::uint64_t offset, boost::asio::const_buffer b, sync_handler h) override {
    write_and_sync_on_pool(*pool_, executor_, shared_from_this(), fd_, offset, b, std::move(h));
  }

 private:
  template <typename Start>
  void run(io_handler h, bool eof_is_success, Start start) {
    ::jetstrand::detail::pending_completion<io_handler, boost::asio::any_io_executor> pending(
        std::move(h), executor_);
    if (pending.cancelled()) {
      std::move(pending).complete(boost::asio::error::operation_aborted, std::size_t{0});
      return;
    }
    // The Boost 1.81 workaround: an empty slot, so io_uring never cancels in flight. The
    // completion keeps the file alive while the kernel may still touch it.
    start(boost::asio::bind_cancellation_slot(
        boost::asio::cancellation_slot(),
        [self = shared_from_this(), pending = std::move(pending), eof_is_success](
            error_code ec, std::size_t n) mutable {
          if (eof_is_success && ec == boost::asio::error::eof) ec = {};
          std::move(pending).complete(ec, n);
        }));
  }

  boost::asio::any_io_executor executor_;
  int fd_;  // owned by file_
  boost::asio::random_access_file file_;
  std::shared_ptr<blocking_pool> pool_;
};

}  // namespace

std::shared_ptr<file_impl> make_uring_file(boost::asio::any_io_executor ex, int fd,
                                           std::shared_ptr<blocking_pool> pool) {
  return std::make_shared<uring_file>(std::move(ex), fd, std::move(pool));
}

}  // namespace jetstrand::io::detail
