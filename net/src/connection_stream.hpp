#pragma once
// The byte stream under one HTTP session: plain TCP, or TLS over the same TCP connection
// once start_tls() has switched it (after the first bytes showed a TLS ClientHello). It
// models Beast's AsyncReadStream/AsyncWriteStream, so the session's reads and writes are
// written once for both; timeouts, cancel and close always act on the TCP layer, which is
// what makes a stop cut a TLS download as fast as a plain one.

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <optional>
#include <utility>

namespace jetstrand::net {

class connection_stream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  explicit connection_stream(boost::asio::ip::tcp::socket socket)
      : executor_(socket.get_executor()), plain_(std::move(socket)) {}

  // Safe from any thread (close() and a stop post onto it while start_tls() may run): a
  // copy made at construction, never changed.
  executor_type get_executor() const noexcept { return executor_; }

  // From now on, bytes go through TLS (the handshake is the caller's next step).
  void start_tls(boost::asio::ssl::context& context) { tls_.emplace(std::move(*plain_), context); plain_.reset(); }
  bool is_tls() const noexcept { return tls_.has_value(); }
  tls_stream& tls() noexcept { return *tls_; }

  boost::beast::tcp_stream& tcp() noexcept { return tls_ ? boost::beast::get_lowest_layer(*tls_) : *plain_; }
  boost::asio::ip::tcp::socket& socket() noexcept { return tcp().socket(); }
  void expires_after(std::chrono::steady_clock::duration d) { tcp().expires_after(d); }
  void cancel() { tcp().cancel(); }
  void close() { tcp().close(); }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

 private:
  const executor_type executor_;
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<tls_stream> tls_;
};

}  // namespace jetstrand::net
