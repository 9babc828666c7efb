#pragma once
// An engine with the HTTP endpoint on 127.0.0.1 (a free port), for in-process HTTP tests.

#include "support/engine_fixture.hpp"
#include "support/http_client.hpp"

#include "jetstrand/net/server.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>

namespace jetstrand::test {

struct server_fixture : engine_fixture {
  explicit server_fixture(net::server_options o = {}, engine_options e = {}) : engine_fixture(e, 2) {
    o.port = 0;
    srv = std::make_unique<net::server>(io.get_executor(), *eng, o);
    srv->start();
    port = srv->local_endpoint().port();
  }
  ~server_fixture() { srv->stop(); }

  std::unique_ptr<net::server> srv;
  unsigned short port = 0;
};

// A SPEC §2 error body with this JET code.
inline void check_error_body(const boost::beast::http::response<boost::beast::http::string_body>& res, int code) {
  namespace http = boost::beast::http;
  BOOST_TEST(res[http::field::content_type] == "application/json");
  auto v = json_of(res);
  BOOST_TEST(v.at("error").at("code").as_int64() == code);
  BOOST_TEST(!v.at("error").at("name").as_string().empty());
  BOOST_TEST(!v.at("error").at("message").as_string().empty());
}

}  // namespace jetstrand::test
