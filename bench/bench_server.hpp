#pragma once
// The HTTP endpoint over a bench_instance, as `jetstrand serve` runs it, on 127.0.0.1 and a
// free port; stopped when it goes.

#include "bench_instance.hpp"

#include "jetstrand/net/server.hpp"

namespace jetstrand::bench {

class bench_server {
 public:
  explicit bench_server(bench_instance& bi) : server_(bi.io().get_executor(), bi.eng(), any_port()) {
    server_.start();
  }
  ~bench_server() { server_.stop(); }
  bench_server(const bench_server&) = delete;
  bench_server& operator=(const bench_server&) = delete;

  unsigned short port() const { return server_.local_endpoint().port(); }
  // The backup routes of the bench instance.
  static constexpr const char* backup = "/v1/instances/bench/backup";

 private:
  static net::server_options any_port() {
    net::server_options o;
    o.port = 0;
    return o;
  }
  net::server server_;
};

}  // namespace jetstrand::bench
