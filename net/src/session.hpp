#pragma once
// One HTTP connection: read a request (fresh parser, limits, timeout), answer it, repeat
// while keep-alive holds. Runs on its own strand; route answers that come from engine
// strands are posted back onto it.
//
// Backup file downloads (session_download.cpp) stream through the backup read chain with
// backpressure: the next chunk is read only once the socket has taken the last. A stop
// ends the download at its next chunk and the connection closes short of Content-Length;
// a client that goes away ends it at the next write. Either way the backup file handle is
// closed.

#include "connection_stream.hpp"
#include "router.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace jetstrand::net {

// True when a request's Transfer-Encoding/Content-Length leave its end in doubt (answered
// 400, connection closed).
bool ambiguous_framing(const boost::beast::http::fields& h);

struct session_limits {
  std::chrono::milliseconds io_timeout;
  std::size_t header_limit;
  std::size_t body_limit;
};

class session : public std::enable_shared_from_this<session> {
 public:
  // With `tls`, the connection must open with a TLS handshake; a plain HTTP request gets a
  // 400 that says to use https, and the connection is closed.
  session(boost::asio::ip::tcp::socket socket, std::shared_ptr<const router> r, session_limits limits,
          std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  ~session();

  void start();
  // Closes the connection from any thread (posted onto the session's strand).
  void close();
  // From any thread, after a stop: a download blocked in a socket write gives it up and
  // reads again, which fails with -801 and ends the download (see session_download.cpp).
  void interrupt_download();

 private:
  struct download_state;

  void detect_tls();
  void on_detected(boost::beast::error_code ec, bool is_tls);
  void read_request();
  void on_read_step(boost::beast::error_code ec, std::size_t n);
  void on_read(boost::beast::error_code ec, std::size_t);
  void answer(reply r);
  // A response and its serializer, kept together while it is written.
  struct outgoing {
    explicit outgoing(response r) : msg(std::move(r)) {}
    response msg;
    boost::beast::http::response_serializer<boost::beast::http::string_body> serializer{msg};
  };
  void write(response res);
  void write_step(std::shared_ptr<outgoing> out, bool keep_alive);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t);
  void shut_down();
  void linger_then_close();
  void drain();

  // session_download.cpp
  void start_download(download_request d);
  void on_download_opened(boost::system::error_code ec, std::uint32_t handle, std::uint64_t size);
  // Keeps one read and one write in flight: starts whichever may start, or ends the
  // download when neither is running and it is over.
  void pump_download();
  void read_next_chunk(int into);
  void on_chunk(int buffer, boost::system::error_code ec, std::size_t n);
  void on_chunk_sent(boost::system::error_code ec, std::size_t sent);
  void end_download(boost::system::error_code ec);
  void reset_connection();

  connection_stream stream_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<const router> routes_;  // kept: a session may outlive the server briefly
  const router& router_;
  session_limits limits_;
  std::vector<char> drain_buffer_;  // linger_then_close
  std::size_t drained_ = 0;
  std::shared_ptr<const request> current_;  // the request being answered
  std::string route_ = "unknown";
  std::unique_ptr<download_state> download_;
};

}  // namespace jetstrand::net
