#include "route_context.hpp"

#include "jetstrand/names.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace jetstrand::net {
namespace http = boost::beast::http;

response make_error_response(const http_error& err, unsigned version, bool keep_alive) {
  response res{static_cast<http::status>(err.status), version};
  res.set(http::field::content_type, "application/json");
  if (err.status == 401) res.set(http::field::www_authenticate, "Bearer");
  res.keep_alive(keep_alive);
  res.body() = err.body();
  res.prepare_payload();
  return res;
}

void route_context::send(unsigned status, std::string body, const std::string& content_type) const {
  response res{static_cast<http::status>(status), req->version()};
  res.set(http::field::content_type, content_type);
  res.keep_alive(req->keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  done(reply{route, std::move(res), std::nullopt});
}

void route_context::json(unsigned status, const boost::json::value& body) const {
  send(status, boost::json::serialize(body), "application/json");
}

void route_context::fail(const http_error& err) const {
  done(reply{route, make_error_response(err, req->version(), req->keep_alive()), std::nullopt});
}

void route_context::fail(const boost::system::error_code& ec) const { fail(make_http_error(ec)); }

void route_context::stream(download_request d) const {
  done(reply{route, std::nullopt, std::move(d)});
}

bool body_object(const context& c, boost::json::object& out) {
  if (c->req->body().empty()) {
    out = {};
    return true;
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(c->req->body(), ec);
  if (ec || !v.is_object()) {
    c->fail(make_http_error(400, jet_errc::invalid_parameter,
                            ec ? "malformed JSON: " + ec.message() : "the body must be a JSON object"));
    return false;
  }
  out = std::move(v.as_object());
  return true;
}

std::shared_ptr<instance> find_instance_or_fail(const context& c) {
  const auto& name = c->segs[2];
  if (!is_valid_name(name)) {
    c->fail(make_http_error(400, jet_errc::invalid_parameter, "invalid instance name"));
    return nullptr;
  }
  auto inst = c->eng.find_instance(name);
  // S4: the JET code for an unknown instance stays -1003; the status says what it is.
  if (!inst) c->fail(make_http_error(404, jet_errc::invalid_parameter, "instance '" + name + "' not found"));
  return inst;
}

}  // namespace jetstrand::net
