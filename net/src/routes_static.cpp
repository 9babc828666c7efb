// GET / (the dashboard) and GET /v1/openapi.json: embedded files, served as they are.
#include "route_context.hpp"
#include "web_assets.hpp"

namespace jetstrand::net {
namespace http = boost::beast::http;

namespace {

void send_file(const context& c, std::string_view body, const char* content_type) {
  response res{http::status::ok, c->req->version()};
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  // The page loads nothing from anywhere: its script and style are inline, and it talks only
  // to this server's API.
  res.set("Content-Security-Policy",
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
          "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  res.keep_alive(c->req->keep_alive());
  res.body() = std::string(body);
  res.prepare_payload();
  c->done(reply{c->route, std::move(res), std::nullopt});
}

}  // namespace

void handle_dashboard(const context& c) { send_file(c, dashboard_page, "text/html; charset=utf-8"); }

void handle_openapi(const context& c) { send_file(c, openapi_document, "application/json"); }

}  // namespace jetstrand::net
