#pragma once
// A blocking HTTPS client for tests: TLS 1.2+, the server's certificate checked against one
// trusted PEM file and the host 127.0.0.1; a timeout on every step.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/x509v3.h>

#include <chrono>
#include <filesystem>
#include <string>

namespace jetstrand::test {

class tls_http_client {
 public:
  tls_http_client(unsigned short port, const std::filesystem::path& trusted,
                  int receive_buffer = 0, std::chrono::seconds timeout = std::chrono::seconds(10))
      : context_(boost::asio::ssl::context::tls_client), stream_(io_, context_), timeout_(timeout) {
    context_.load_verify_file(trusted.string());
    stream_.set_verify_mode(boost::asio::ssl::verify_peer);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream_.native_handle()), "127.0.0.1");
    auto& tcp = boost::beast::get_lowest_layer(stream_);
    tcp.expires_after(timeout_);
    tcp.socket().open(boost::asio::ip::tcp::v4());
    if (receive_buffer > 0) tcp.socket().set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer));
    tcp.connect({boost::asio::ip::make_address_v4("127.0.0.1"), port});
    stream_.handshake(boost::asio::ssl::stream_base::client);
  }

  boost::beast::http::response<boost::beast::http::string_body> request(boost::beast::http::verb method,
                                                                         const std::string& target,
                                                                         const std::string& body = {}) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    boost::beast::get_lowest_layer(stream_).expires_after(timeout_);
    http::write(stream_, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{65} << 20);
    http::read(stream_, buffer_, parser);
    return parser.release();
  }

  // Sends GET target and reads only the response header (the body is left for read_body).
  boost::beast::http::response_parser<boost::beast::http::buffer_body>& start_download(const std::string& target) {
    namespace http = boost::beast::http;
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    boost::beast::get_lowest_layer(stream_).expires_after(timeout_);
    http::write(stream_, req);
    download_.emplace();
    download_->body_limit(boost::none);
    http::read_header(stream_, buffer_, *download_);
    return *download_;
  }

  // Reads the rest of the started download until it completes or the connection ends;
  // the body bytes received.
  std::uint64_t read_body() {
    namespace http = boost::beast::http;
    std::uint64_t received = 0;
    std::vector<char> chunk(64 * 1024);
    while (!download_->is_done()) {
      download_->get().body().data = chunk.data();
      download_->get().body().size = chunk.size();
      boost::system::error_code ec;
      boost::beast::get_lowest_layer(stream_).expires_after(timeout_);
      http::read(stream_, buffer_, *download_, ec);
      received += chunk.size() - download_->get().body().size;
      if (ec && ec != http::error::need_buffer) break;
    }
    return received;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ssl::context context_;
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> download_;
  std::chrono::seconds timeout_;
};

}  // namespace jetstrand::test
