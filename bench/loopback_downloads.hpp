#pragma once
// A client for the HTTP measurements: N downloads of one target from a server on
// 127.0.0.1, read as fast as possible on one client thread of their own (no per-connection
// threads, so the client adds as little scheduling noise as it can). Raw sockets: the
// response header is skipped, the body counted and dropped. With a TLS context, every
// connection shakes hands before its request is sent (the certificate is not checked: this
// measures the stop, not the trust).

#include "bench_clock.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace jetstrand::bench {

class loopback_downloads {
 public:
  // Connects and sends every request; reading starts with start(). `receive_buffer` > 0
  // fixes each socket's receive buffer (0: the kernel's autotuning).
  loopback_downloads(unsigned short port, const std::string& target, int count, int receive_buffer = 0,
                     boost::asio::ssl::context* tls = nullptr);
  ~loopback_downloads();
  loopback_downloads(const loopback_downloads&) = delete;
  loopback_downloads& operator=(const loopback_downloads&) = delete;

  void start();
  // Reads completing at or after `ns` (steady_ns) count as after the stop.
  void mark_stop(std::int64_t ns) { stop_ns_.store(ns); }
  // Blocks until every connection has ended (EOF, reset or error).
  void wait();

  std::int64_t last_end_ns() const;
  std::uint64_t body_bytes() const;            // all downloads
  std::uint64_t max_bytes_after_stop() const;  // the most one download received after mark_stop
  std::uint16_t status_of_first() const;       // the first download's HTTP status (0: none)

 private:
  struct download;
  void read_some(download& d);

  boost::asio::io_context io_;
  std::vector<std::unique_ptr<download>> downloads_;
  std::atomic<std::int64_t> stop_ns_{0};
  std::thread runner_;
};

// One request on a fresh connection, waiting for the whole response; its status.
unsigned http_call(unsigned short port, const std::string& method, const std::string& target,
                   boost::asio::ssl::context* tls = nullptr);

// GET on a fresh connection: the whole response, headers and body (read until the server closes).
std::string http_get_text(unsigned short port, const std::string& target, boost::asio::ssl::context* tls = nullptr);

// A client TLS context that accepts any certificate (for the benchmarks' own server).
boost::asio::ssl::context unchecked_tls_client();

// A connection made ahead, so that sending a request on it measures no connect.
class prepared_request {
 public:
  prepared_request(unsigned short port, const std::string& method, const std::string& target,
                   boost::asio::ssl::context* tls = nullptr);
  // Sends the request now (blocking); the response is read by status().
  void send();
  unsigned status();
  // The whole response (call instead of status()).
  std::string response();

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  std::string request_;
};

}  // namespace jetstrand::bench
