#include "http_client.hpp"

#include "command_line/usage_error.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <charconv>
#include <sys/socket.h>

namespace jetstrand::cli {
using command_line::usage_error;
namespace http = boost::beast::http;

namespace {

bool timed_out(const boost::system::error_code& ec) {
  return ec == boost::asio::error::would_block || ec == boost::asio::error::try_again ||
         ec == boost::asio::error::timed_out;
}

}  // namespace

http_client::http_client(const std::string& url, std::string token, std::chrono::milliseconds timeout,
                         const std::filesystem::path& cacert)
    : token_(std::move(token)), timeout_(timeout) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->host().empty()) {
    throw usage_error("--url " + url + ": expected http://HOST:PORT or https://HOST:PORT");
  }
  const bool https = u->scheme() == "https";
  host_ = u->host();
  if (host_.size() > 2 && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
  host_is_address_ = u->host_type() == boost::urls::host_type::ipv4 || u->host_type() == boost::urls::host_type::ipv6;
  port_ = u->has_port() ? std::string(u->port()) : (https ? "443" : "80");
  prefix_ = u->path();
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
  base_ = std::string(u->scheme()) + "://" + std::string(u->encoded_authority()) + prefix_;
  if (!https && !cacert.empty()) throw usage_error("--cacert is for https:// URLs");
  if (https) {
    namespace ssl = boost::asio::ssl;
    tls_context_.emplace(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls_context_->native_handle(), TLS1_2_VERSION);
    tls_context_->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (cacert.empty()) {
      tls_context_->set_default_verify_paths(ec);
    } else {
      tls_context_->load_verify_file(cacert.string(), ec);
      if (ec) throw usage_error("--cacert " + cacert.string() + ": cannot use it (" + ec.message() + "); expected PEM certificates");
    }
  }
  watchdog_ = std::thread([this] { watch(); });
}

http_client::~http_client() {
  closing_ = true;
  watchdog_.join();
}

void http_client::watch() {
  while (!closing_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto deadline = deadline_.load();
    if (deadline != 0 && std::chrono::steady_clock::now().time_since_epoch().count() > deadline) {
      timed_out_ = true;
      deadline_ = 0;
      const int fd = fd_.load();
      if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
    }
  }
}

http_client::step::step(http_client& c) : client(c) {
  client.deadline_ = (std::chrono::steady_clock::now() + client.timeout_).time_since_epoch().count();
}

http_client::step::~step() { client.deadline_ = 0; }

void http_client::connect() {
  timed_out_ = false;  // a new connection, a new clock
  boost::asio::ip::tcp::resolver resolver(io_);
  boost::system::error_code ec;
  auto results = resolver.resolve(host_, port_, ec);
  if (ec) throw http_failure(0, 0, "cannot connect to " + base_ + ": " + ec.message(), true);
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (const auto& entry : results) {
    socket_.close(ec);
    socket_.open(entry.endpoint().protocol(), ec);
    if (ec) continue;
    fd_ = socket_.native_handle();
    // Non-blocking connect, polled in slices so that Ctrl-C and the timeout both end it.
    socket_.non_blocking(true, ec);
    socket_.connect(entry.endpoint(), ec);
    while (ec == boost::asio::error::in_progress || ec == boost::asio::error::would_block) {
      if (interrupted_) {
        ec = boost::asio::error::operation_aborted;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ec = boost::asio::error::timed_out;
        break;
      }
      pollfd p{socket_.native_handle(), POLLOUT, 0};
      if (::poll(&p, 1, 100) > 0) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_ERROR, &err, &len);
        ec.assign(err, boost::system::system_category());
      }
    }
    if (!ec) break;
  }
  if (ec) {
    disconnect();
    std::string what = "cannot connect to " + base_ + ": " + describe(ec);
    if (ec == boost::asio::error::connection_refused) what += " (is `jetstrand serve` running there?)";
    throw http_failure(0, 0, what, true);
  }
  socket_.non_blocking(false, ec);
  if (interrupted_) interrupt();
  if (tls_context_) handshake();
}

void http_client::handshake() {
  tls_.emplace(socket_, *tls_context_);
  SSL* ssl = tls_->native_handle();
  // OpenSSL checks the name during the handshake, so a mismatch reports as one.
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (host_is_address_) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host_.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, host_.c_str(), 0);
    SSL_set_tlsext_host_name(ssl, host_.c_str());  // SNI
  }
  boost::system::error_code ec;
  {
    step s(*this);
    tls_->handshake(boost::asio::ssl::stream_base::client, ec);
  }
  if (!ec) return;
  std::string what = describe(ec);
  if (const long verify = SSL_get_verify_result(ssl); verify != X509_V_OK) {
    what = std::string("the server's certificate was refused: ") + X509_verify_cert_error_string(verify);
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      what += " (it does not name " + host_ + ")";
    } else {
      what += " (give the CA that signed it with --cacert FILE)";
    }
  } else if (ec.category() == boost::asio::error::get_ssl_category() && !interrupted_ && !timed_out_) {
    what = "TLS handshake failed: " + ec.message() + " (does the server serve https there?)";
  }
  disconnect();
  throw http_failure(0, 0, "cannot connect to " + base_ + ": " + what, true);
}

void http_client::disconnect() noexcept {
  fd_ = -1;
  tls_.reset();
  boost::system::error_code ignored;
  socket_.close(ignored);
}

std::string http_client::describe(const boost::system::error_code& ec) const {
  if (timed_out_ || timed_out(ec)) {
    return "timed out after " + std::to_string(timeout_.count() / 1000.0).substr(0, 4) + " s (--timeout)";
  }
  if (interrupted_) return "interrupted";
  return ec.message();
}

void http_client::ensure_connected() {
  if (!socket_.is_open()) connect();
}

void http_client::interrupt() noexcept {
  interrupted_ = true;
  int fd = fd_.load();
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

void http_client::fail_from_body(unsigned status, const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (!ec && v.is_object() && v.as_object().contains("error")) {
    const auto& e = v.at("error").as_object();
    int code = e.contains("code") && e.at("code").is_int64() ? static_cast<int>(e.at("code").as_int64()) : 0;
    std::string name = e.contains("name") && e.at("name").is_string() ? std::string(e.at("name").as_string()) : "";
    std::string msg = e.contains("message") && e.at("message").is_string() ? std::string(e.at("message").as_string()) : "";
    throw http_failure(status, code, "HTTP " + std::to_string(status) + ": " + std::to_string(code) + " " + name + ": " + msg);
  }
  throw http_failure(status, 0, "HTTP " + std::to_string(status) + ": " + body.substr(0, 200));
}

boost::json::value http_client::call(http::verb method, const std::string& path, const std::string& body) {
  ensure_connected();
  http::request<http::string_body> req{method, prefix_ + path, 11};
  req.set(http::field::host, host_);
  req.keep_alive(true);
  if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  http::response<http::string_body> res;
  boost::system::error_code ec;
  {
    step s(*this);
    on_stream([&](auto& stream) { http::write(stream, req, ec); });
  }
  if (!ec) {
    step s(*this);
    on_stream([&](auto& stream) { http::read(stream, buffer_, res, ec); });
  }
  if (ec) {
    disconnect();
    throw http_failure(0, 0, std::string(http::to_string(method)) + " " + path + ": " + describe(ec));
  }
  if (!res.keep_alive()) disconnect();
  if (res.result_int() / 100 != 2) fail_from_body(res.result_int(), res.body());
  auto v = boost::json::parse(res.body(), ec);
  if (ec) throw http_failure(res.result_int(), 0, path + ": the answer is not JSON");
  return v;
}

std::uint64_t http_client::download(const std::string& path,
                                    const std::function<void(std::span<const unsigned char>)>& sink, int retries,
                                    const resume_notice& on_resume) {
  std::uint64_t from = 0;
  std::optional<std::uint64_t> size;
  for (int attempt = 0;; ++attempt) {
    try {
      download_once(path, from, size, sink);
      return size.value_or(from);
    } catch (const http_failure& e) {
      // Only the network's failures are retried: an answer from the server stands.
      if (e.status != 0 || interrupted_ || attempt >= retries) throw;
      if (on_resume) on_resume(from, attempt + 1, e.what());
      pause(std::chrono::milliseconds(200 << std::min(attempt, 5)));
      if (interrupted_) throw;
    }
  }
}

void http_client::pause(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!interrupted_ && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

namespace {

// "bytes N-M/SIZE" -> N and SIZE.
bool parse_content_range(std::string_view v, std::uint64_t& first, std::uint64_t& size) {
  if (!v.starts_with("bytes ")) return false;
  v.remove_prefix(6);
  auto dash = v.find('-'), slash = v.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) return false;
  auto number = [](std::string_view t, std::uint64_t& out) {
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return ec == std::errc{} && end == t.data() + t.size();
  };
  return number(v.substr(0, dash), first) && number(v.substr(slash + 1), size);
}

}  // namespace

void http_client::download_once(const std::string& path, std::uint64_t& from, std::optional<std::uint64_t>& size,
                                const std::function<void(std::span<const unsigned char>)>& sink) {
  ensure_connected();
  http::request<http::empty_body> req{http::verb::get, prefix_ + path, 11};
  req.set(http::field::host, host_);
  req.keep_alive(true);
  if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
  if (from > 0) req.set(http::field::range, "bytes=" + std::to_string(from) + "-");
  boost::system::error_code ec;
  {
    step s(*this);
    on_stream([&](auto& stream) { http::write(stream, req, ec); });
  }
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  if (!ec) {
    step s(*this);
    on_stream([&](auto& stream) { http::read_header(stream, buffer_, parser, ec); });
  }
  if (ec) {
    disconnect();
    throw http_failure(0, 0, "GET " + path + ": " + describe(ec));
  }
  const unsigned status = parser.get().result_int();
  // Where this body starts in the file, and how many of its first bytes were seen before
  // (a server that ignores Range sends the whole file again: the known part is skipped).
  std::uint64_t skip = 0;
  if (status == 200) {
    const auto length = parser.content_length().value_or(0);
    if (size && *size != length) {
      disconnect();
      throw http_failure(status, 0, "GET " + path + ": the file changed size between tries");
    }
    size = length;
    skip = from;
  } else if (status == 206) {
    std::uint64_t first = 0, total = 0;
    if (!parse_content_range(parser.get()[http::field::content_range], first, total) || first != from ||
        (size && *size != total)) {
      disconnect();
      throw http_failure(status, 0, "GET " + path + ": the server resumed at the wrong place");
    }
    size = total;
  }
  std::string error_body;
  std::vector<unsigned char> chunk(256 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    {
      step s(*this);  // each chunk has the whole timeout: a slow download is not a dead one
      on_stream([&](auto& stream) { http::read(stream, buffer_, parser, ec); });
    }
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      disconnect();
      throw http_failure(0, 0, "GET " + path + ": the download ended early (" + describe(ec) + ")");
    }
    std::span<const unsigned char> got(chunk.data(), chunk.size() - parser.get().body().size);
    if (status / 100 != 2) {
      error_body.append(reinterpret_cast<const char*>(got.data()), got.size());
      continue;
    }
    const auto known = std::min<std::uint64_t>(skip, got.size());
    skip -= known;
    got = got.subspan(known);
    if (!got.empty()) sink(got);
    from += got.size();
  }
  if (!parser.get().keep_alive()) disconnect();
  if (status / 100 != 2) fail_from_body(status, error_body);
}

}  // namespace jetstrand::cli
