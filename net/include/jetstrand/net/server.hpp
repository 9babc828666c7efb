#pragma once
// The HTTP control endpoint (SPEC §4): a Beast listener on loopback by default, one session
// per connection on its own strand, a fresh parser with header and body limits per request,
// and a timeout on every read and write so no slow client can pin a session.
//
// Thread safety: start() and stop() may be called from any thread. The io_context may be
// run by any number of threads.

#include "jetstrand/engine.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace jetstrand::net {

struct server_options {
  boost::asio::ip::address address = boost::asio::ip::make_address_v4("127.0.0.1");
  unsigned short port = 8642;                       // 0: any free port (see local_endpoint)
  std::string token;                                // non-empty: every route but /healthz needs it
  bool metrics_open = false;                        // with a token: /metrics needs none
  std::size_t max_connections = 512;                // more wait in the listen backlog
  std::chrono::milliseconds io_timeout{30'000};     // a read or write step with no progress
  std::size_t header_limit = 8 * 1024;              // bytes; over it: 431
  std::size_t body_limit = std::size_t{64} << 20;    // bytes (a value's limit); over it: 413
  // Both set: the listener serves HTTPS only (TLS 1.2 or later, OpenSSL). PEM files: the
  // certificate chain (the server's own certificate first) and its private key, read when
  // the server is constructed. A plain HTTP request on that port gets a plain-text 400 that
  // says to use https, and only that connection is closed.
  std::filesystem::path tls_certificate_chain;
  std::filesystem::path tls_private_key;
};

class server {
 public:
  // Binds and listens at once (throws boost::system::system_error when it cannot; throws
  // std::runtime_error naming the file when the TLS certificate or key cannot be used, or
  // only one of the two is given).
  server(boost::asio::any_io_executor ex, engine& eng, server_options options);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // The bound address (with the real port when options.port was 0).
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  void start();
  // Stops accepting and closes every connection; returns at once (the closes are posted).
  void stop();

 private:
  struct state;
  std::shared_ptr<state> state_;
};

// Parses "HOST:PORT" ("127.0.0.1:8642", "[::1]:80", "localhost:0" is refused: an address
// literal is required so the bind address is never ambiguous).
bool parse_listen_address(std::string_view text, server_options& out, std::string& error);

}  // namespace jetstrand::net
