#include "loopback_downloads.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <istream>
#include <stdexcept>

namespace jetstrand::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
tcp::endpoint local(unsigned short port) { return {net::ip::make_address_v4("127.0.0.1"), port}; }

std::string request_text(const std::string& method, const std::string& target) {
  // Connection: close, so that a whole download ends with the server closing (EOF).
  return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
}
}  // namespace

struct loopback_downloads::download {
  explicit download(net::io_context& io) : socket(io), buffer(256 * 1024) {}
  tcp::socket socket;
  std::optional<net::ssl::stream<tcp::socket&>> tls;
  std::vector<char> buffer;
  std::string head;  // the response header, until its end is seen
  bool in_body = false;
  std::uint16_t status = 0;
  std::uint64_t body = 0;
  std::uint64_t after_stop = 0;
  std::int64_t end_ns = 0;
};

loopback_downloads::loopback_downloads(unsigned short port, const std::string& target, int count,
                                       int receive_buffer, net::ssl::context* tls) {
  const auto req = request_text("GET", target);
  for (int i = 0; i < count; ++i) {
    auto d = std::make_unique<download>(io_);
    d->socket.open(tcp::v4());
    if (receive_buffer > 0) d->socket.set_option(net::socket_base::receive_buffer_size(receive_buffer));
    d->socket.connect(local(port));
    d->socket.set_option(tcp::no_delay(true));
    if (tls) {
      d->tls.emplace(d->socket, *tls);
      d->tls->handshake(net::ssl::stream_base::client);
      net::write(*d->tls, net::buffer(req));
    } else {
      net::write(d->socket, net::buffer(req));
    }
    downloads_.push_back(std::move(d));
  }
}

loopback_downloads::~loopback_downloads() {
  io_.stop();
  if (runner_.joinable()) runner_.join();
}

void loopback_downloads::start() {
  for (auto& d : downloads_) read_some(*d);
  runner_ = std::thread([this] { io_.run(); });
}

void loopback_downloads::read_some(download& d) {
  auto on_read = [this, &d](boost::system::error_code ec, std::size_t n) {
    const auto t = steady_ns();
    std::size_t body = n;
    if (!d.in_body && n > 0) {
      d.head.append(d.buffer.data(), n);
      auto end = d.head.find("\r\n\r\n");
      body = 0;
      if (end != std::string::npos) {
        d.in_body = true;
        if (d.head.size() > 12) d.status = static_cast<std::uint16_t>(std::atoi(d.head.c_str() + 9));
        body = d.head.size() - (end + 4);
      }
    }
    d.body += body;
    const auto s = stop_ns_.load();
    if (s != 0 && t >= s) d.after_stop += body;
    if (ec) {
      d.end_ns = t;
      return;  // EOF, reset or error: this download has ended
    }
    read_some(d);
  };
  if (d.tls) {
    d.tls->async_read_some(net::buffer(d.buffer), std::move(on_read));
  } else {
    d.socket.async_read_some(net::buffer(d.buffer), std::move(on_read));
  }
}

void loopback_downloads::wait() {
  if (runner_.joinable()) runner_.join();
}

std::int64_t loopback_downloads::last_end_ns() const {
  std::int64_t last = 0;
  for (const auto& d : downloads_) last = std::max(last, d->end_ns);
  return last;
}

std::uint64_t loopback_downloads::body_bytes() const {
  std::uint64_t n = 0;
  for (const auto& d : downloads_) n += d->body;
  return n;
}

std::uint64_t loopback_downloads::max_bytes_after_stop() const {
  std::uint64_t m = 0;
  for (const auto& d : downloads_) m = std::max(m, d->after_stop);
  return m;
}

std::uint16_t loopback_downloads::status_of_first() const {
  return downloads_.empty() ? 0 : downloads_.front()->status;
}

prepared_request::prepared_request(unsigned short port, const std::string& method, const std::string& target,
                                   net::ssl::context* tls)
    : socket_(io_), request_(request_text(method, target)) {
  socket_.connect(local(port));
  socket_.set_option(tcp::no_delay(true));
  if (tls) {
    tls_.emplace(socket_, *tls);
    tls_->handshake(net::ssl::stream_base::client);
  }
}

void prepared_request::send() {
  if (tls_) {
    net::write(*tls_, net::buffer(request_));
  } else {
    net::write(socket_, net::buffer(request_));
  }
}

unsigned prepared_request::status() {
  net::streambuf b;
  if (tls_) {
    net::read_until(*tls_, b, "\r\n\r\n");
  } else {
    net::read_until(socket_, b, "\r\n\r\n");
  }
  std::istream in(&b);
  std::string version;
  unsigned status = 0;
  in >> version >> status;
  return status;
}

std::string prepared_request::response() {
  std::string text;
  boost::system::error_code ec;  // the end: EOF, or a TLS peer that closes without close_notify
  if (tls_) {
    net::read(*tls_, net::dynamic_buffer(text), ec);
  } else {
    net::read(socket_, net::dynamic_buffer(text), ec);
  }
  return text;
}

std::string http_get_text(unsigned short port, const std::string& target, net::ssl::context* tls) {
  prepared_request r(port, "GET", target, tls);
  r.send();
  return r.response();
}

net::ssl::context unchecked_tls_client() {
  net::ssl::context c(net::ssl::context::tls_client);
  c.set_verify_mode(net::ssl::verify_none);
  return c;
}

unsigned http_call(unsigned short port, const std::string& method, const std::string& target,
                   net::ssl::context* tls) {
  prepared_request r(port, method, target, tls);
  r.send();
  return r.status();
}

}  // namespace jetstrand::bench
