#include "raw_file_server.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace jetstrand::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;

raw_file_server::raw_file_server(std::filesystem::path file)
    : file_(std::move(file)), acceptor_(io_, {net::ip::make_address_v4("127.0.0.1"), 0}) {
  port_ = acceptor_.local_endpoint().port();
  thread_ = std::thread([this] { serve(); });
}

raw_file_server::~raw_file_server() {
  // A blocking accept is not woken by close() from another thread: connect once instead.
  stopping_.store(true);
  boost::system::error_code ignored;
  tcp::socket wake(io_);
  wake.connect({net::ip::make_address_v4("127.0.0.1"), port_}, ignored);
  thread_.join();
}

void raw_file_server::serve() {
  std::vector<char> chunk(256 * 1024);
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket(io_);
    acceptor_.accept(socket, ec);
    if (ec || stopping_.load()) return;
    std::string request;
    net::read_until(socket, net::dynamic_buffer(request), "\r\n\r\n", ec);
    if (ec) continue;
    const int fd = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    const auto size = std::filesystem::file_size(file_);
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size) +
                             "\r\nConnection: close\r\n\r\n";
    net::write(socket, net::buffer(head), ec);
    for (std::uint64_t at = 0; !ec && at < size;) {
      const auto got = ::pread(fd, chunk.data(), chunk.size(), static_cast<off_t>(at));
      if (got <= 0) break;
      net::write(socket, net::buffer(chunk.data(), static_cast<std::size_t>(got)), ec);
      at += static_cast<std::uint64_t>(got);
    }
    ::close(fd);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }
}

}  // namespace jetstrand::bench
