#pragma once
// An open file with asynchronous positional I/O, on either backend (see backend_kind.hpp).
//
// Guarantees, the same on both backends:
// - Every operation completes exactly once, on the handler's associated executor (default:
//   the file's executor), never inside the initiating call.
// - Cancellation: a handler's bound cancellation slot is honoured. Emitted before the I/O
//   starts, the operation completes with operation_aborted and transfers nothing. Emitted
//   while the I/O is in the kernel, the I/O is not interrupted (cancelling in-flight io_uring
//   file operations is broken in Boost 1.81: it can corrupt the *next* operation's result);
//   the operation then completes with operation_aborted and the bytes actually transferred.
//   Page-cache I/O takes microseconds, so the difference is not observable in practice.
// - End of file: a read at or past the end completes with success and 0 bytes.
// - The composed async_read_at / async_write_at check cancellation between their steps.

#include "jetstrand/file_backend.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace jetstrand::io {

using io_handler =
    boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;
using sync_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;

// One buffer of a gathered write (file::async_write_pieces): `size` bytes at `offset`.
struct write_piece {
  std::uint64_t offset;
  const void* data;
  std::size_t size;
};

namespace detail {
// One backend's implementation of an open file. Used only through `file`.
class file_impl {
 public:
  virtual ~file_impl() = default;
  virtual boost::asio::any_io_executor get_executor() const = 0;
  virtual int native_handle() const noexcept = 0;
  virtual void read_some_at(std::uint64_t offset, boost::asio::mutable_buffer,
                            io_handler) = 0;
  virtual void write_some_at(std::uint64_t offset, boost::asio::const_buffer,
                             io_handler) = 0;
  virtual void sync_data(sync_handler) = 0;
  virtual void start_writeback(std::uint64_t offset, std::uint64_t length, sync_handler) = 0;
  virtual void write_pieces(std::vector<write_piece> pieces, std::function<void()> before, sync_handler) = 0;
  virtual void write_and_sync_data(std::uint64_t offset, boost::asio::const_buffer b, sync_handler) = 0;
};
}  // namespace detail

class file {
 public:
  using executor_type = boost::asio::any_io_executor;

  file() = default;
  explicit file(std::shared_ptr<detail::file_impl> impl) : impl_(std::move(impl)) {}

  bool is_open() const noexcept { return impl_ != nullptr; }
  executor_type get_executor() const { return impl_->get_executor(); }
  int native_handle() const noexcept { return impl_->native_handle(); }

  // Closes when the last operation in flight has completed (operations keep the file alive).
  void close() noexcept { impl_.reset(); }

  std::uint64_t size(boost::system::error_code& ec) const;
  void resize(std::uint64_t size, boost::system::error_code& ec);

  // void(error_code, std::size_t): at most buffer_size bytes, at least one unless at EOF.
  template <typename Token>
  auto async_read_some_at(std::uint64_t offset, boost::asio::mutable_buffer buffer,
                          Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [](io_handler h, std::shared_ptr<detail::file_impl> impl, std::uint64_t off,
           boost::asio::mutable_buffer b) { impl->read_some_at(off, b, std::move(h)); },
        token, impl_, offset, buffer);
  }

  // void(error_code, std::size_t)
  template <typename Token>
  auto async_write_some_at(std::uint64_t offset, boost::asio::const_buffer buffer,
                           Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [](io_handler h, std::shared_ptr<detail::file_impl> impl, std::uint64_t off,
           boost::asio::const_buffer b) { impl->write_some_at(off, b, std::move(h)); },
        token, impl_, offset, buffer);
  }

  // void(error_code, std::size_t): fills the buffer, or stops short at end of file.
  template <typename Token>
  auto async_read_at(std::uint64_t offset, boost::asio::mutable_buffer buffer,
                     Token&& token);

  // void(error_code, std::size_t): writes the whole buffer.
  template <typename Token>
  auto async_write_at(std::uint64_t offset, boost::asio::const_buffer buffer, Token&& token);

  // void(error_code): fdatasync. Runs on the service's thread pool on both backends
  // (Asio 1.81 has no asynchronous fsync for files).
  template <typename Token>
  auto async_sync_data(Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        [](sync_handler h, std::shared_ptr<detail::file_impl> impl) {
          impl->sync_data(std::move(h));
        },
        token, impl_);
  }

  // void(error_code): writes every piece whole, as one task on the service's thread pool
  // (both backends): in offset order, adjacent pieces together in one pwritev. For many
  // small scattered writes (a spill's pages) this is one hand-off to another thread instead
  // of one per piece. The buffers must stay valid, and unchanged, until it completes. On
  // an error some pieces may be written and others not. `before`, if given, runs once on
  // that thread before the first write (a spill's checksums: work off the caller's thread);
  // it may fill in the pieces' bytes.
  template <typename Token>
  auto async_write_pieces(std::vector<write_piece> pieces, std::function<void()> before, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        [](sync_handler h, std::shared_ptr<detail::file_impl> impl, std::vector<write_piece> p,
           std::function<void()> b) { impl->write_pieces(std::move(p), std::move(b), std::move(h)); },
        token, impl_, std::move(pieces), std::move(before));
  }
  template <typename Token>
  auto async_write_pieces(std::vector<write_piece> pieces, Token&& token) {
    return async_write_pieces(std::move(pieces), nullptr, std::forward<Token>(token));
  }

  // void(error_code): writes `b` whole at `offset`, then fdatasync, as one task on the
  // service's thread pool (both backends). For a log's durable flush: one hand-off to
  // another thread and one back, where a write and then a sync took two of each, and
  // the write never waits in the io_uring's submissions behind other files' reads. The
  // buffer must stay valid until it completes; on an error part of it may be written.
  template <typename Token>
  auto async_write_and_sync_data(std::uint64_t offset, boost::asio::const_buffer b, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        [](sync_handler h, std::shared_ptr<detail::file_impl> impl, std::uint64_t off,
           boost::asio::const_buffer buf) { impl->write_and_sync_data(off, buf, std::move(h)); },
        token, impl_, offset, b);
  }

  // void(error_code): starts writing the range's dirty pages back to the disk, without
  // waiting for them (sync_file_range SYNC_FILE_RANGE_WRITE), on the service's thread pool
  // (the call can block while the device's queue is full). Durability still needs a sync:
  // this only spreads the writes over time, so a later fdatasync (this file's or another
  // file's on the same disk) does not wait behind all of them at once.
  template <typename Token>
  auto async_start_writeback(std::uint64_t offset, std::uint64_t length, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        [](sync_handler h, std::shared_ptr<detail::file_impl> impl, std::uint64_t off, std::uint64_t len) {
          impl->start_writeback(off, len, std::move(h));
        },
        token, impl_, offset, length);
  }

 private:
  std::shared_ptr<detail::file_impl> impl_;
};

namespace detail {

// Loops a *_some_at operation until the buffer is done, the file ends (reads only), an
// error occurs, or cancellation is requested between two steps.
template <typename Buffer, bool IsRead>
struct transfer_all_op {
  file f;
  std::uint64_t offset;
  Buffer buffer;
  std::size_t done = 0;
  bool started = false;

  template <typename Self>
  void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
    if (started) {
      done += n;
      if (ec || done == buffer.size() || (IsRead && n == 0)) {
        self.complete(ec, done);
        return;
      }
      if (self.cancelled() != boost::asio::cancellation_type::none) {
        self.complete(boost::asio::error::operation_aborted, done);
        return;
      }
    }
    started = true;
    if constexpr (IsRead) {
      f.async_read_some_at(offset + done, buffer + done, std::move(self));
    } else {
      f.async_write_some_at(offset + done, buffer + done, std::move(self));
    }
  }
};

}  // namespace detail

template <typename Token>
auto file::async_read_at(std::uint64_t offset, boost::asio::mutable_buffer buffer,
                         Token&& token) {
  return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
      detail::transfer_all_op<boost::asio::mutable_buffer, true>{*this, offset, buffer},
      token, get_executor());
}

template <typename Token>
auto file::async_write_at(std::uint64_t offset, boost::asio::const_buffer buffer,
                          Token&& token) {
  return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
      detail::transfer_all_op<boost::asio::const_buffer, false>{*this, offset, buffer},
      token, get_executor());
}

}  // namespace jetstrand::io
