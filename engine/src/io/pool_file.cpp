#include "io/pool_file.hpp"

#include "detail/pending_completion.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <utility>

namespace jetstrand::io::detail {
namespace {

using boost::system::error_code;

error_code last_error() { return {errno, boost::system::system_category()}; }

using pending_io = ::jetstrand::detail::pending_completion<io_handler, boost::asio::any_io_executor>;
using pending_sync =
    ::jetstrand::detail::pending_completion<sync_handler, boost::asio::any_io_executor>;

// Hands a result from a pool thread back to the file's I/O executor, moving everything the
// operation owns (the handler, its work guard, the file) into the posted function. The pool
// thread must not hold the last reference to any of them: once the handler has run, its
// owner may destroy the io_context, and the file's last reference may own this very pool.
template <typename Pending, typename... Results>
void back_to_io(const boost::asio::any_io_executor& io, std::shared_ptr<file_impl> keep_alive,
                Pending pending, error_code ec, Results... results) {
  boost::asio::post(io, [keep_alive = std::move(keep_alive), pending = std::move(pending), ec,
                         results...]() mutable { std::move(pending).complete(ec, results...); });
}

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
  template <typename Syscall>
  void run(io_handler h, Syscall call) {
    pending_io pending(std::move(h), executor_);
    boost::asio::post(pool_->get_executor(), [self = shared_from_this(),
                                              pending = std::move(pending), call]() mutable {
      error_code ec;
      std::size_t n = 0;
      if (pending.cancelled()) {
        ec = boost::asio::error::operation_aborted;
      } else {
        ssize_t r;
        do {
          r = call();
        } while (r < 0 && errno == EINTR);
        if (r < 0) {
          ec = last_error();
        } else {
          n = static_cast<std::size_t>(r);
        }
      }
      auto io = self->executor_;
      back_to_io(io, std::move(self), std::move(pending), ec, n);
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

namespace {
// Runs `call` (a syscall returning -1 and errno on failure) on the pool, again after EINTR.
template <typename Call>
void call_on_pool(blocking_pool& pool, const boost::asio::any_io_executor& ex,
                  std::shared_ptr<file_impl> keep_alive, sync_handler h, Call call) {
  pending_sync pending(std::move(h), ex);
  boost::asio::post(pool.get_executor(), [keep_alive = std::move(keep_alive), ex, call,
                                          pending = std::move(pending)]() mutable {
    error_code ec;
    if (pending.cancelled()) {
      ec = boost::asio::error::operation_aborted;
    } else {
      int rc;
      do {
        rc = call();
      } while (rc < 0 && errno == EINTR);
      if (rc < 0) ec = last_error();
    }
    back_to_io(ex, std::move(keep_alive), std::move(pending), ec);
  });
}
}  // namespace

void sync_data_on_pool(blocking_pool& pool, const boost::asio::any_io_executor& ex,
                       std::shared_ptr<file_impl> keep_alive, int fd, sync_handler h) {
  call_on_pool(pool, ex, std::move(keep_alive), std::move(h), [fd] { return ::fdatasync(fd); });
}

void start_writeback_on_pool(blocking_pool& pool, const boost::asio::any_io_executor& ex,
                             std::shared_ptr<file_impl> keep_alive, int fd, std::uint64_t offset,
                             std::uint64_t length, sync_handler h) {
  call_on_pool(pool, ex, std::move(keep_alive), std::move(h), [fd, offset, length] {
    return ::sync_file_range(fd, static_cast<off_t>(offset), static_cast<off_t>(length),
                             SYNC_FILE_RANGE_WRITE);
  });
}

namespace {
// Writes each piece whole: sorted by offset, every run of adjacent pieces in pwritev calls
// (resumed after a short write). 0, or -1 with errno (never EINTR: retried here).
int write_all_pieces(int fd, std::vector<write_piece>& pieces) {
  std::sort(pieces.begin(), pieces.end(),
            [](const write_piece& a, const write_piece& b) { return a.offset < b.offset; });
  std::vector<iovec> iov;
  for (std::size_t i = 0; i < pieces.size();) {
    iov.clear();
    const std::uint64_t start = pieces[i].offset;
    std::uint64_t end = start;
    while (i < pieces.size() && pieces[i].offset == end && iov.size() < IOV_MAX) {
      iov.push_back({const_cast<void*>(pieces[i].data), pieces[i].size});
      end += pieces[i].size;
      ++i;
    }
    std::size_t first = 0;
    std::uint64_t at = start;
    while (first < iov.size()) {
      const ssize_t n = ::pwritev(fd, iov.data() + first, static_cast<int>(iov.size() - first), static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return -1;
      if (n == 0) {
        errno = EIO;
        return -1;
      }
      at += static_cast<std::uint64_t>(n);
      auto left = static_cast<std::size_t>(n);
      while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
      if (left > 0) {
        iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
        iov[first].iov_len -= left;
      }
    }
  }
  return 0;
}
}  // namespace

void write_pieces_on_pool(blocking_pool& pool, const boost::asio::any_io_executor& ex,
                          std::shared_ptr<file_impl> keep_alive, int fd, std::vector<write_piece> pieces,
                          std::function<void()> before, sync_handler h) {
  struct task {
    std::vector<write_piece> pieces;
    std::function<void()> before;
  };
  auto shared = std::make_shared<task>(task{std::move(pieces), std::move(before)});
  call_on_pool(pool, ex, std::move(keep_alive), std::move(h), [fd, shared] {
    if (auto b = std::exchange(shared->before, nullptr)) b();
    return write_all_pieces(fd, shared->pieces);
  });
}

void write_and_sync_on_pool(blocking_pool& pool, const boost::asio::any_io_executor& ex,
                            std::shared_ptr<file_impl> keep_alive, int fd, std::uint64_t offset,
                            boost::asio::const_buffer b, sync_handler h) {
  call_on_pool(pool, ex, std::move(keep_alive), std::move(h), [fd, offset, b] {
    std::vector<write_piece> piece{{offset, b.data(), b.size()}};
    if (write_all_pieces(fd, piece) < 0) return -1;
    return ::fdatasync(fd);
  });
}

}  // namespace jetstrand::io::detail
