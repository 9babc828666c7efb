#include "session.hpp"

#include "download_state.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

namespace jetstrand::net {
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

std::string_view trimmed(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

// RFC 9112 §6.1/§6.3: a request whose Transfer-Encoding does not end in one `chunked`, or
// that has both it and Content-Length, has no trustworthy end; a server that guessed would
// let a second request hide in the body (request smuggling).
bool ambiguous_framing(const http::fields& h) {
  std::vector<std::string_view> codings;
  bool any = false;
  for (const auto& f : h) {
    if (f.name() != http::field::transfer_encoding) continue;
    any = true;
    std::string_view v = f.value();
    while (true) {
      auto comma = v.find(',');
      codings.push_back(trimmed(v.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  if (!any) return false;
  if (h.count(http::field::content_length) > 0) return true;
  std::size_t chunked = 0;
  for (auto c : codings) chunked += iequals(c, "chunked");
  return chunked != 1 || !iequals(codings.back(), "chunked");
}

session::session(boost::asio::ip::tcp::socket socket, std::shared_ptr<const router> r,
                 session_limits limits, std::shared_ptr<boost::asio::ssl::context> tls)
    : stream_(std::move(socket)), tls_(std::move(tls)), routes_(std::move(r)), router_(*routes_), limits_(limits) {
  router_.stats().connection_opened();
}

session::~session() { router_.stats().connection_closed(); }

void session::start() {
  // The socket was accepted on the listener's strand-less executor; hop onto ours.
  boost::asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (self->tls_) return self->detect_tls();
    self->read_request();
  });
}

void session::detect_tls() {
  stream_.expires_after(limits_.io_timeout);
  beast::async_detect_ssl(stream_.tcp(), buffer_,
                          beast::bind_front_handler(&session::on_detected, shared_from_this()));
}

void session::on_detected(beast::error_code ec, bool is_tls) {
  if (ec) return shut_down();
  if (!is_tls) {
    // Said in plain HTTP, which is what the client speaks; the connection then closes.
    write(make_error_response(make_http_error(400, jet_errc::invalid_parameter,
                                              "this port serves HTTPS only: use an https:// URL"),
                              11, false));
    return;
  }
  stream_.start_tls(*tls_);
  stream_.expires_after(limits_.io_timeout);
  // The bytes the detection read are the start of the ClientHello: handed to the handshake.
  stream_.tls().async_handshake(boost::asio::ssl::stream_base::server, buffer_.data(),
                                // (`used` has a default: Boost 1.81 checks this handler against the unbuffered signature.)
                                [self = shared_from_this()](beast::error_code ec, std::size_t used = 0) {
                                  if (ec) return self->shut_down();
                                  self->buffer_.consume(used);
                                  self->read_request();
                                });
}

void session::close() {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
    beast::error_code ec;
    self->stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    self->stream_.close();
  });
}

void session::read_request() {
  parser_.emplace();  // a fresh parser per request: limits apply to each one
  parser_->header_limit(static_cast<std::uint32_t>(limits_.header_limit));
  parser_->body_limit(limits_.body_limit);
  stream_.expires_after(limits_.io_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&session::on_read_step, shared_from_this()));
}

// The body is read step by step, each with the whole timeout: a large body over a slow link
// is not cut while it makes progress; one that stalls for io_timeout is.
void session::on_read_step(beast::error_code ec, std::size_t n) {
  if (ec || parser_->is_done()) return on_read(ec, n);
  stream_.expires_after(limits_.io_timeout);
  http::async_read_some(stream_, buffer_, *parser_,
                        beast::bind_front_handler(&session::on_read_step, shared_from_this()));
}

void session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == boost::asio::error::operation_aborted || ec == boost::asio::error::eof ||
      ec == boost::asio::error::connection_reset || ec == boost::asio::error::bad_descriptor) {
    shut_down();
    return;
  }
  route_ = "unknown";
  if (ec) {
    // The request could not be parsed: answer once, then close (the stream is unusable).
    unsigned status = 400;
    std::string what = "malformed request: " + ec.message();
    if (ec == http::error::body_limit) {
      status = 413;
      what = "request body over the limit of " + std::to_string(limits_.body_limit) + " bytes";
    } else if (ec == http::error::header_limit) {
      status = 431;
      what = "request header over " + std::to_string(limits_.header_limit) + " bytes";
    }
    write(make_error_response(make_http_error(status, jet_errc::invalid_parameter, what), 11, false));
    return;
  }
  if (ambiguous_framing(parser_->get().base())) {
    write(make_error_response(
        make_http_error(400, jet_errc::invalid_parameter,
                        "ambiguous framing: Transfer-Encoding must end in one \"chunked\" and comes "
                        "without Content-Length"),
        11, false));
    return;
  }
  current_ = std::make_shared<const request>(parser_->release());
  // Reading stops while the request is answered (no pipelining), so the answer may come
  // from any thread: it is posted back here.
  router_.dispatch(current_, [self = shared_from_this()](reply r) {
    auto ex = self->stream_.get_executor();
    boost::asio::post(ex, [self = std::move(self), r = std::move(r)]() mutable { self->answer(std::move(r)); });
  });
}

void session::answer(reply r) {
  route_ = r.route;
  if (r.download) return start_download(std::move(*r.download));
  write(std::move(*r.res));
}

void session::write(response res) {
  router_.stats().request(route_, res.result_int());
  const bool keep_alive = res.keep_alive();
  write_step(std::make_shared<outgoing>(std::move(res)), keep_alive);
}

// Like the body of a request, a response goes out step by step, each with the whole timeout.
void session::write_step(std::shared_ptr<outgoing> out, bool keep_alive) {
  stream_.expires_after(limits_.io_timeout);
  http::async_write_some(stream_, out->serializer,
                         [self = shared_from_this(), out, keep_alive](beast::error_code ec, std::size_t n) {
                           if (ec || out->serializer.is_done()) return self->on_write(keep_alive, ec, n);
                           self->write_step(std::move(out), keep_alive);
                         });
}

void session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec) return shut_down();
  if (!keep_alive) return linger_then_close();
  read_request();
}

void session::linger_then_close() {
  // The client may still be sending (a body over the limit is refused after its header):
  // closing with unread bytes would reset the connection, and a reset can destroy the
  // answer before the client reads it. So stop sending, read and drop what still comes
  // for a while, then close (Apache's "lingering close").
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(std::chrono::seconds(2));
  drain_buffer_.resize(64 * 1024);
  drain();
}

void session::drain() {
  stream_.async_read_some(boost::asio::buffer(drain_buffer_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->drained_ += n;
                            if (ec || self->drained_ > 2 * self->limits_.body_limit) {
                              self->stream_.close();
                              return;
                            }
                            self->drain();
                          });
}

void session::reset_connection() {
  beast::error_code ignored;
  stream_.socket().set_option(boost::asio::socket_base::linger(true, 0), ignored);  // close sends RST
  stream_.close();
}

void session::shut_down() {
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.close();
}

}  // namespace jetstrand::net
