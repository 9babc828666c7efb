#pragma once
// The floor for an HTTP download on loopback: a server with no HTTP stack, no page checks
// and no strand, that answers one request on 127.0.0.1 by pread-ing a file 256 KiB at a
// time (the server's download chunk) and writing each chunk to the socket, on one thread.
// What the jetstrand server adds on top of this is its own cost; what this reaches is what
// one client thread can take from one loopback TCP connection.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <filesystem>
#include <thread>

namespace jetstrand::bench {

class raw_file_server {
 public:
  // Listens on 127.0.0.1 (an ephemeral port); serves `file` to each connection, one at a
  // time, until destroyed.
  explicit raw_file_server(std::filesystem::path file);
  ~raw_file_server();
  raw_file_server(const raw_file_server&) = delete;
  raw_file_server& operator=(const raw_file_server&) = delete;

  unsigned short port() const { return port_; }

 private:
  void serve();

  std::filesystem::path file_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace jetstrand::bench
