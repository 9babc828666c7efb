#pragma once
// Maps one parsed HTTP request to its answer (SPEC §4): checks the token on mutating
// calls, matches the path, and hands the request to its route (routes_*.cpp). No socket
// work here: the session writes the answer or streams the download.

#include "route_context.hpp"

#include <string>

namespace jetstrand::net {

// Shared by the server and its sessions (which may outlive the server by a few handlers):
// it owns the metrics and the download registry, so they live as long as anyone uses them.
class router : public std::enable_shared_from_this<router> {
 public:
  router(engine& eng, std::string token) : engine_(eng), token_(std::move(token)) {}

  // Answers through `done`, exactly once, on any thread.
  void dispatch(std::shared_ptr<const request> req, reply_handler done) const;

  metrics& stats() const noexcept { return metrics_; }
  download_registry& downloads() const noexcept { return downloads_; }

 private:
  bool authorized(const request& req) const;

  engine& engine_;
  std::string token_;
  mutable metrics metrics_;
  mutable download_registry downloads_;
};

}  // namespace jetstrand::net
