#include "jetstrand/net/server.hpp"

#include "router.hpp"
#include "session.hpp"
#include "tls_context.hpp"

#include "jetstrand/log.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <stdexcept>

#include <charconv>
#include <mutex>
#include <vector>

namespace jetstrand::net {

struct server::state : std::enable_shared_from_this<server::state> {
  state(boost::asio::any_io_executor ex, engine& eng, server_options opts)
      : executor(ex),
        options(std::move(opts)),
        routes(std::make_shared<router>(eng, router_options{options.token, options.metrics_open})),
        // The acceptor, its back-off timer and every accept completion share one strand, so
        // start() and stop(), posted from any thread, never touch the acceptor at once.
        acceptor(boost::asio::make_strand(ex)),
        backoff(acceptor.get_executor()),
        log(make_logger("http")) {
    if (options.tls_certificate_chain.empty() != options.tls_private_key.empty()) {
      throw std::runtime_error("TLS needs both a certificate chain and its private key");
    }
    if (!options.tls_certificate_chain.empty()) {
      tls = make_server_tls_context(options.tls_certificate_chain, options.tls_private_key);
    }
    boost::asio::ip::tcp::endpoint ep(options.address, options.port);
    acceptor.open(ep.protocol());
    acceptor.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen(boost::asio::socket_base::max_listen_connections);
  }

  void accept() {
    if (!acceptor.is_open()) return;
    if (live_sessions() >= options.max_connections) {
      // At the cap: leave new connections in the listen backlog until a session ends.
      if (!at_cap) {
        at_cap = true;
        JETSTRAND_LOG(log, log_level::warning)
            << "connection limit reached (" << options.max_connections
            << " open); new connections wait until one closes (serve --max-connections)";
      }
      return pause(std::chrono::milliseconds(50));
    }
    if (at_cap) {
      at_cap = false;
      JETSTRAND_LOG(log, log_level::info) << "below the connection limit again; accepting";
    }
    // Each connection gets a strand of its own.
    acceptor.async_accept(boost::asio::make_strand(executor),
                          [self = shared_from_this()](boost::system::error_code ec,
                                                      boost::asio::ip::tcp::socket socket) {
                            self->on_accept(ec, std::move(socket));
                          });
  }

  // Accepts again after `delay` (on the acceptor's strand).
  void pause(std::chrono::milliseconds delay) {
    backoff.expires_after(delay);
    backoff.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->accept();
    });
  }

  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // Out of descriptors (EMFILE/ENFILE) or memory: accepting again at once would only
      // spin. Wait, growing the pause up to a second, and log the first failure of a run.
      if (accept_failures++ == 0) {
        JETSTRAND_LOG(log, log_level::warning)
            << "accept failed: " << ec.message() << "; retrying with back-off";
      }
      return pause(std::chrono::milliseconds(std::min<std::uint64_t>(1000, 10u << std::min(accept_failures, 7u))));
    }
    if (accept_failures) {
      JETSTRAND_LOG(log, log_level::info) << "accepting again after " << accept_failures << " failed accepts";
      accept_failures = 0;
    }
    auto s = std::make_shared<session>(
        std::move(socket), routes,
        session_limits{options.io_timeout, options.header_limit, options.body_limit}, tls);
    {
      std::lock_guard lock(mutex);
      if (stopped) {
        s->close();
        return;
      }
      sessions.push_back(s);
    }
    s->start();
    accept();
  }

  // Sessions still alive; forgets the ones that ended, so the list stays as long as these.
  std::size_t live_sessions() {
    std::lock_guard lock(mutex);
    std::erase_if(sessions, [](const std::weak_ptr<session>& w) { return w.expired(); });
    return sessions.size();
  }

  boost::asio::any_io_executor executor;
  server_options options;
  std::shared_ptr<router> routes;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP
  boost::asio::ip::tcp::acceptor acceptor;
  boost::asio::steady_timer backoff;
  logger log;
  unsigned accept_failures = 0;  // in a row; on the acceptor's strand
  bool at_cap = false;           // on the acceptor's strand
  std::mutex mutex;
  bool stopped = false;
  std::vector<std::weak_ptr<session>> sessions;
};

server::server(boost::asio::any_io_executor ex, engine& eng, server_options options)
    : state_(std::make_shared<state>(ex, eng, std::move(options))) {}

server::~server() { stop(); }

boost::asio::ip::tcp::endpoint server::local_endpoint() const {
  return state_->acceptor.local_endpoint();
}

void server::start() {
  boost::asio::post(state_->acceptor.get_executor(), [s = state_] { s->accept(); });
}

void server::stop() {
  std::vector<std::weak_ptr<session>> sessions;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopped) return;
    state_->stopped = true;
    sessions.swap(state_->sessions);
  }
  boost::asio::post(state_->acceptor.get_executor(), [s = state_] {
    boost::system::error_code ignored;
    s->acceptor.close(ignored);
    s->backoff.cancel();
  });
  for (auto& w : sessions) {
    if (auto s = w.lock()) s->close();
  }
}

bool parse_listen_address(std::string_view text, server_options& out, std::string& error) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    error = "expected HOST:PORT, e.g. 127.0.0.1:8642";
    return false;
  }
  auto host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    error = "port must be a number from 0 to 65535";
    return false;
  }
  boost::system::error_code aec;
  auto address = boost::asio::ip::make_address(std::string(host), aec);
  if (aec) {
    error = "host must be an IP address literal (e.g. 127.0.0.1 or [::1])";
    return false;
  }
  out.address = address;
  out.port = static_cast<unsigned short>(port);
  return true;
}

}  // namespace jetstrand::net
