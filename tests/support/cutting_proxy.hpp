#pragma once
// A TCP relay on 127.0.0.1 in front of a server that cuts connections the way a network
// does mid-response: the first `cuts` connections that carry more than `cut_after` bytes
// from the server are closed at that point (a FIN, so the client reads exactly what was
// relayed and then sees the body end early; a reset would also drop what sat unread in the
// client's socket, which makes the cut point vary). It records the Range headers clients send, so
// a test can see where downloads were resumed, and the request lines (to see which calls a
// client made). Runs on a thread of its own.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace jetstrand::test {

class cutting_proxy {
 public:
  cutting_proxy(unsigned short target_port, std::uint64_t cut_after, int cuts)
      : target_port_(target_port), cut_after_(cut_after), cuts_left_(cuts) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address_v4("127.0.0.1"), 0});
    acceptor_.listen();
    accept();
    runner_ = std::thread([this] { io_.run(); });
  }
  ~cutting_proxy() {
    io_.stop();
    runner_.join();
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  int cuts_made() const { return cuts_made_; }
  // Request lines ("DELETE /bucket/key?uploadId=…") in the order they passed.
  std::vector<std::string> requests_seen() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<std::string> ranges_seen() {
    std::lock_guard lock(mutex_);
    return ranges_;
  }

 private:
  using tcp = boost::asio::ip::tcp;

  struct link : std::enable_shared_from_this<link> {
    link(boost::asio::io_context& io, cutting_proxy& p) : client(io), server(io), proxy(p) {}
    tcp::socket client, server;
    cutting_proxy& proxy;
    std::uint64_t down = 0;  // bytes from the server
    bool cut = false;
    std::array<char, 16384> up_buffer{}, down_buffer{};

    void relay_up() {
      client.async_read_some(boost::asio::buffer(up_buffer), [self = shared_from_this()](auto ec, std::size_t n) {
        if (ec || self->cut) return self->close();
        self->proxy.note_request(std::string(self->up_buffer.data(), n));
        boost::asio::async_write(self->server, boost::asio::buffer(self->up_buffer.data(), n),
                                 [self](auto ec, std::size_t) {
                                   if (ec) return self->close();
                                   self->relay_up();
                                 });
      });
    }
    void relay_down() {
      server.async_read_some(boost::asio::buffer(down_buffer), [self = shared_from_this()](auto ec, std::size_t n) {
        if (ec || self->cut) return self->close();
        self->down += n;
        if (self->down > self->proxy.cut_after_ && self->proxy.take_cut()) {
          self->cut = true;
          return self->close();
        }
        boost::asio::async_write(self->client, boost::asio::buffer(self->down_buffer.data(), n),
                                 [self](auto ec, std::size_t) {
                                   if (ec) return self->close();
                                   self->relay_down();
                                 });
      });
    }
    void close() {
      boost::system::error_code ignored;
      client.close(ignored);
      server.close(ignored);
    }
  };

  void accept() {
    auto l = std::make_shared<link>(io_, *this);
    acceptor_.async_accept(l->client, [this, l](boost::system::error_code ec) {
      if (ec) return;
      l->server.connect({boost::asio::ip::make_address_v4("127.0.0.1"), target_port_}, ec);
      if (ec) {
        l->close();
      } else {
        l->relay_up();
        l->relay_down();
      }
      accept();
    });
  }

  bool take_cut() {
    if (cuts_left_ <= 0) return false;
    --cuts_left_;
    ++cuts_made_;
    return true;
  }

  void note_request(const std::string& bytes) {
    for (const char* method : {"POST /", "PUT /", "DELETE /", "GET /"}) {
      for (auto at = bytes.find(method); at != std::string::npos; at = bytes.find(method, at + 1)) {
        std::lock_guard lock(mutex_);
        requests_.push_back(bytes.substr(at, bytes.find(" HTTP/1.1", at) - at));
      }
    }
    for (auto at = bytes.find("Range: "); at != std::string::npos; at = bytes.find("Range: ", at + 1)) {
      std::lock_guard lock(mutex_);
      ranges_.push_back(bytes.substr(at + 7, bytes.find("\r\n", at) - at - 7));
    }
  }

  boost::asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  unsigned short target_port_;
  std::uint64_t cut_after_;
  int cuts_left_;
  std::atomic<int> cuts_made_{0};
  std::mutex mutex_;
  std::vector<std::string> ranges_;
  std::vector<std::string> requests_;
  std::thread runner_;
};

}  // namespace jetstrand::test
