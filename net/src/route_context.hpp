#pragma once
// One request on its way through the router: what was asked (method, decoded path
// segments, query), and the ways to answer it. Route handlers may answer from any thread
// (engine completions run on instance strands); the session moves the answer onto its own
// strand. Exactly one answer per request.

#include "jetstrand/engine.hpp"
#include "jetstrand/net/http_error.hpp"
#include "download_registry.hpp"
#include "metrics.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace jetstrand::net {

using request = boost::beast::http::request<boost::beast::http::string_body>;
using response = boost::beast::http::response<boost::beast::http::string_body>;

// GET …/backup/files/{name}: the session streams it (see session_download.cpp).
struct download_request {
  std::shared_ptr<instance> inst;
  std::string file;
  std::uint64_t from = 0;  // Range: bytes=N-
  bool ranged = false;
};

struct reply {
  std::string route;  // the route's template, for the metrics
  std::optional<response> res;
  std::optional<download_request> download;
};
using reply_handler = std::function<void(reply)>;

struct route_context {
  std::shared_ptr<const request> req;
  std::vector<std::string> segs;  // percent-decoded
  std::map<std::string, std::string> query;
  std::string route = "unknown";
  engine& eng;
  metrics& stats;
  download_registry& downloads;
  reply_handler done;
  std::shared_ptr<const void> keep_alive;  // the router that owns stats and downloads

  boost::beast::http::verb method() const { return req->method(); }
  // 200/201 with a JSON body.
  void json(unsigned status, const boost::json::value& body) const;
  // Any body, with its content type.
  void send(unsigned status, std::string body, const std::string& content_type) const;
  void fail(const http_error& err) const;
  void fail(const boost::system::error_code& ec) const;  // status from http_status_for
  void stream(download_request d) const;
};
using context = std::shared_ptr<route_context>;

response make_error_response(const http_error& err, unsigned version, bool keep_alive);

// The request body as a JSON object; an empty body is an empty object. False (and a 400
// answered) when it is not one.
bool body_object(const context& c, boost::json::object& out);

// Route handlers (routes_*.cpp). `c->segs` has matched the route's shape.
void handle_instances(const context& c);           // /v1/instances
void handle_instance(const context& c);            // /v1/instances/{i}
void handle_databases(const context& c);           // /v1/instances/{i}/databases
void handle_key(const context& c);                 // /v1/instances/{i}/databases/{d}/keys/{k}
void handle_key_list(const context& c);            // /v1/instances/{i}/databases/{d}/keys
void handle_backup(const context& c);              // /v1/instances/{i}/backup[/...]
void handle_legacy_stop(const context& c);         // /v1/backup/stop
void handle_dashboard(const context& c);           // / (routes_static.cpp)
void handle_openapi(const context& c);             // /v1/openapi.json

// The instance named by segs[2]: answers 400 or 404 and returns nullptr if there is none.
std::shared_ptr<instance> find_instance_or_fail(const context& c);

}  // namespace jetstrand::net
