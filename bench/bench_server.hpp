#pragma once
// The HTTP endpoint over a bench_instance, as `jetstrand serve` runs it, on 127.0.0.1 and a
// free port; stopped when it goes.

#include "bench_instance.hpp"

#include "jetstrand/net/server.hpp"

#include <filesystem>

namespace jetstrand::bench {

class bench_server {
 public:
  // With a certificate and key: HTTPS only.
  explicit bench_server(bench_instance& bi, const std::filesystem::path& tls_certificate = {},
                        const std::filesystem::path& tls_key = {})
      : server_(bi.io().get_executor(), bi.eng(), options(tls_certificate, tls_key)) {
    server_.start();
  }
  ~bench_server() { server_.stop(); }
  bench_server(const bench_server&) = delete;
  bench_server& operator=(const bench_server&) = delete;

  unsigned short port() const { return server_.local_endpoint().port(); }
  // The backup routes of the bench instance.
  static constexpr const char* backup = "/v1/instances/bench/backup";

 private:
  static net::server_options options(const std::filesystem::path& tls_certificate, const std::filesystem::path& tls_key) {
    net::server_options o;
    o.port = 0;
    o.tls_certificate_chain = tls_certificate;
    o.tls_private_key = tls_key;
    return o;
  }
  net::server server_;
};

}  // namespace jetstrand::bench
