#pragma once
// A blocking Beast HTTP/1.1 client for tests, with a timeout on every operation so a broken
// server fails the test instead of hanging it.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <string>

namespace jetstrand::test {

namespace http = boost::beast::http;

class http_client {
 public:
  explicit http_client(unsigned short port,
                       std::chrono::seconds timeout = std::chrono::seconds(10))
      : stream_(io_), timeout_(timeout) {
    stream_.expires_after(timeout_);
    stream_.connect(boost::asio::ip::tcp::endpoint(
        boost::asio::ip::make_address_v4("127.0.0.1"), port));
  }

  http::response<http::string_body> request(http::verb method, const std::string& target,
                                            const std::string& body = {},
                                            const std::string& bearer = {}) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    return send(req);
  }

  http::response<http::string_body> send(http::request<http::string_body>& req) {
    stream_.expires_after(timeout_);
    http::write(stream_, req);
    return read();
  }

  // Sends raw bytes (for malformed requests), then reads one response.
  http::response<http::string_body> raw(const std::string& bytes) {
    stream_.expires_after(timeout_);
    boost::asio::write(stream_, boost::asio::buffer(bytes));
    return read();
  }

  http::response<http::string_body> read() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{65} << 20);
    stream_.expires_after(timeout_);
    http::read(stream_, buffer_, parser);
    return parser.release();
  }

  // True once the server has closed the connection (reads EOF).
  bool closed_by_server() {
    stream_.expires_after(timeout_);
    char c;
    boost::system::error_code ec;
    stream_.read_some(boost::asio::buffer(&c, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }

 private:
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::chrono::seconds timeout_;
};

inline boost::json::value json_of(const http::response<http::string_body>& res) {
  return boost::json::parse(res.body());
}

}  // namespace jetstrand::test
