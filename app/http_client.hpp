#pragma once
// The blocking HTTP/1.1 client of `jetstrand backup`: one keep-alive connection to the
// server, JSON calls, and file downloads streamed to a callback (never held in memory).
// With an https:// URL every connection is TLS 1.2+, and the server's certificate must be
// trusted (the system's CAs, or only `cacert` when given) and name the URL's host (DNS name
// or IP address), else the call fails saying which.
// interrupt() may be called from another thread (the signal watcher): it shuts the socket
// down, so a call blocked in the kernel returns at once with an error (a connect in
// progress notices within 100 ms). Every network step (connect, each send and each receive)
// fails with "timed out" after `timeout` without progress.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <thread>

namespace jetstrand::cli {

// A failed call: what the server said (its JSON error) or what went wrong on the way.
struct http_failure : std::runtime_error {
  http_failure(unsigned status, int jet_code, const std::string& what, bool unsent = false)
      : std::runtime_error(what), status(status), jet_code(jet_code), unsent(unsent) {}
  unsigned status;  // 0: no answer (connection failed or cut)
  int jet_code;     // 0 when the server gave none
  bool unsent;      // the connection (or its TLS handshake) failed: the request never left
};

class http_client {
 public:
  // url: "http://HOST:PORT" or "https://HOST:PORT" (a path prefix is allowed). Throws
  // usage_error for a bad URL or a CA file that cannot be read.
  http_client(const std::string& url, std::string token,
              std::chrono::milliseconds timeout = std::chrono::seconds(30),
              const std::filesystem::path& cacert = {});
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // A JSON call; throws http_failure for anything but 2xx.
  boost::json::value call(boost::beast::http::verb method, const std::string& path,
                          const std::string& body = {});

  // Told before a cut download is asked again: from which byte, which try (1-based), why.
  using resume_notice = std::function<void(std::uint64_t from, int attempt, const std::string& why)>;

  // GET path, streaming the body to `sink`; returns the file's size. A download cut by the
  // network (connection lost, reset, a step timed out) is asked again on a new connection
  // with `Range: bytes=N-` from the first byte not yet received, up to `retries` times
  // (waiting 0.2 s, 0.4 s, ... between tries): `sink` sees every byte exactly once, in
  // order. An answer from the server (an error status such as 409 after a stop) is not
  // retried. Throws http_failure (status 0 when the network failed every try).
  std::uint64_t download(const std::string& path,
                         const std::function<void(std::span<const unsigned char>)>& sink,
                         int retries = 0, const resume_notice& on_resume = {});

  void interrupt() noexcept;
  bool interrupted() const noexcept { return interrupted_; }
  const std::string& base() const noexcept { return base_; }

 private:
  void connect();
  void handshake();
  void ensure_connected();
  void disconnect() noexcept;
  // Runs f on the connection's stream: the TLS stream, or the socket itself.
  template <class F>
  decltype(auto) on_stream(F&& f) {
    if (tls_) return f(*tls_);
    return f(socket_);
  }
  [[noreturn]] void fail_from_body(unsigned status, const std::string& body);
  // One GET of path from byte `from` on (a Range request when from > 0); `size` is the
  // file's size once a header said it. Returns when the body is complete.
  void download_once(const std::string& path, std::uint64_t& from, std::optional<std::uint64_t>& size,
                     const std::function<void(std::span<const unsigned char>)>& sink);
  // Sleeps `d` unless interrupted first (then returns at once).
  void pause(std::chrono::milliseconds d);
  // "timed out after N s" for a step that ran out of time, else the error's own message.
  std::string describe(const boost::system::error_code& ec) const;
  // A blocking step (a send, a receive) has `timeout_` to make progress: until it ends, the
  // watchdog shuts the socket down once the deadline passes (Asio's blocking calls wait in
  // poll() and ignore SO_RCVTIMEO, so the timeout is enforced from outside).
  struct step {
    explicit step(http_client& c);
    ~step();
    http_client& client;
  };
  void watch();

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_{io_};
  std::optional<boost::asio::ssl::context> tls_context_;                   // https only
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;  // while connected
  boost::beast::flat_buffer buffer_;
  std::string host_, port_, prefix_, base_, token_;
  bool host_is_address_ = false;
  std::chrono::milliseconds timeout_;
  std::atomic<int> fd_{-1};
  std::atomic<bool> interrupted_{false};
  std::atomic<bool> timed_out_{false};
  std::atomic<std::int64_t> deadline_{0};  // steady_clock nanoseconds; 0: no step running
  std::atomic<bool> closing_{false};
  std::thread watchdog_;
};

}  // namespace jetstrand::cli
