#pragma once
// Maps one parsed HTTP request to its answer (SPEC §4): checks the token (every route but
// /healthz, and /metrics unless metrics_open), matches the path, and hands the request to its route (routes_*.cpp). No socket
// work here: the session writes the answer or streams the download.

#include "route_context.hpp"

#include "jetstrand/log.hpp"

#include <string>
#include <vector>

namespace jetstrand::net {

// What the router serves: a path template ("/v1/instances/{i}", a `{…}` segment is any one
// segment) and its methods. The OpenAPI document (docs/openapi.json) lists exactly these.
struct route_description {
  std::string path;
  std::vector<boost::beast::http::verb> methods;
};
std::vector<route_description> route_table();

// Shared by the server and its sessions (which may outlive the server by a few handlers):
// it owns the metrics and the download registry, so they live as long as anyone uses them.
struct router_options {
  std::string token;          // empty: no authentication
  bool metrics_open = false;  // /metrics without the token
};

class router : public std::enable_shared_from_this<router> {
 public:
  router(engine& eng, router_options options) : engine_(eng), options_(std::move(options)) {}

  // Answers through `done`, exactly once, on any thread.
  void dispatch(std::shared_ptr<const request> req, reply_handler done) const;

  metrics& stats() const noexcept { return metrics_; }
  download_registry& downloads() const noexcept { return downloads_; }

 private:
  enum class auth { ok, missing, wrong };
  auth authenticate(const request& req) const;

  engine& engine_;
  router_options options_;
  mutable metrics metrics_;
  mutable download_registry downloads_;
  mutable logger log_ = make_logger("http");
};

}  // namespace jetstrand::net
