#pragma once
// One HTTP connection: read a request (fresh parser, limits, timeout), answer it, repeat
// while keep-alive holds. Runs on its own strand.

#include "router.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include <memory>
#include <optional>

namespace jetstrand::net {

struct session_limits {
  std::chrono::milliseconds io_timeout;
  std::size_t header_limit;
  std::size_t body_limit;
};

class session : public std::enable_shared_from_this<session> {
 public:
  session(boost::asio::ip::tcp::socket socket, const router& r, session_limits limits);

  void start();
  // Closes the connection from any thread (posted onto the session's strand).
  void close();

 private:
  void read_request();
  void on_read(boost::beast::error_code ec, std::size_t);
  void write(response res);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t);
  void shut_down();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  const router& router_;
  session_limits limits_;
};

}  // namespace jetstrand::net
