// The HTTP endpoint in-process, driven by a Beast client over 127.0.0.1.
#include "support/server_fixture.hpp"

#include "jetstrand/net/server.hpp"

#include <boost/test/unit_test.hpp>

using namespace jetstrand;
using jetstrand::test::http_client;
using jetstrand::test::server_fixture;
using jetstrand::test::check_error_body;
namespace http = boost::beast::http;


BOOST_AUTO_TEST_SUITE(http_server)

BOOST_AUTO_TEST_CASE(binds_loopback_by_default) {
  BOOST_TEST(net::server_options{}.address.is_loopback());
  server_fixture f;
  BOOST_TEST(f.srv->local_endpoint().address().to_string() == "127.0.0.1");
}

BOOST_AUTO_TEST_CASE(healthz_answers_ok) {
  server_fixture f;
  http_client c(f.port);
  auto res = c.request(http::verb::get, "/healthz");
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(test::json_of(res).at("status").as_string() == "ok");
}

BOOST_AUTO_TEST_CASE(keep_alive_serves_several_requests_on_one_connection) {
  server_fixture f;
  http_client c(f.port);
  for (int i = 0; i < 5; ++i) {
    auto res = c.request(http::verb::get, "/healthz");
    BOOST_TEST(res.result_int() == 200u);
    BOOST_TEST(res.keep_alive());
  }
}

BOOST_AUTO_TEST_CASE(lists_instances_with_mode) {
  server_fixture f;
  f.create("alpha");
  http_client c(f.port);
  auto res = c.request(http::verb::get, "/v1/instances");
  BOOST_TEST(res.result_int() == 200u);
  auto v = test::json_of(res);
  BOOST_TEST(v.at("mode").as_string() == "multi");
  BOOST_TEST_REQUIRE(v.at("instances").as_array().size() == 1u);
  BOOST_TEST(v.at("instances").at(0).at("name").as_string() == "alpha");
  BOOST_TEST(v.at("instances").at(0).at("state").as_string() == "running");
}

BOOST_AUTO_TEST_CASE(unknown_instance_is_404_with_code_1003) {
  server_fixture f;
  http_client c(f.port);
  auto res = c.request(http::verb::get, "/v1/instances/ghost");
  BOOST_TEST(res.result_int() == 404u);
  check_error_body(res, -1003);
}

BOOST_AUTO_TEST_CASE(unknown_path_is_404_and_wrong_method_405) {
  server_fixture f;
  http_client c(f.port);
  auto res = c.request(http::verb::get, "/no/such/thing");
  BOOST_TEST(res.result_int() == 404u);
  check_error_body(res, -1003);
  res = c.request(http::verb::delete_, "/healthz");
  BOOST_TEST(res.result_int() == 405u);
  BOOST_TEST(res[http::field::allow] == "GET");
  check_error_body(res, -1003);
}

BOOST_AUTO_TEST_CASE(traversal_names_are_refused) {
  server_fixture f;
  http_client c(f.port);
  for (std::string target : {"/v1/instances/%2e%2e", "/v1/instances/..", "/v1/instances/a%2Fb"}) {
    BOOST_TEST_CONTEXT(target) {
      auto res = c.request(http::verb::get, target);
      BOOST_TEST(res.result_int() >= 400u);
      BOOST_TEST(res.result_int() < 500u);
      check_error_body(res, -1003);
    }
  }
}

BOOST_AUTO_TEST_CASE(oversized_body_is_413_and_server_stays_up) {
  net::server_options o;
  o.body_limit = 1024;
  server_fixture f(o);
  {
    http_client c(f.port);
    auto res = c.request(http::verb::post, "/healthz", std::string(4096, 'x'));
    BOOST_TEST(res.result_int() == 413u);
    check_error_body(res, -1003);
  }
  http_client c2(f.port);
  BOOST_TEST(c2.request(http::verb::get, "/healthz").result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(oversized_header_is_431) {
  server_fixture f;
  http_client c(f.port);
  http::request<http::string_body> req{http::verb::get, "/healthz", 11};
  req.set("X-Filler", std::string(16 * 1024, 'a'));
  auto res = c.send(req);
  BOOST_TEST(res.result_int() == 431u);
  check_error_body(res, -1003);
}

BOOST_AUTO_TEST_CASE(malformed_request_line_is_400_then_close) {
  server_fixture f;
  http_client c(f.port);
  auto res = c.raw("THIS IS NOT HTTP\r\n\r\n");
  BOOST_TEST(res.result_int() == 400u);
  check_error_body(res, -1003);
  BOOST_TEST(c.closed_by_server());
  http_client c2(f.port);
  BOOST_TEST(c2.request(http::verb::get, "/healthz").result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(idle_connection_times_out) {
  net::server_options o;
  o.io_timeout = std::chrono::milliseconds(200);
  server_fixture f(o);
  http_client c(f.port);
  BOOST_TEST(c.closed_by_server());  // sends nothing: the server gives up on it
}

BOOST_AUTO_TEST_CASE(stop_closes_open_connections) {
  server_fixture f;
  http_client c(f.port);
  BOOST_TEST(c.request(http::verb::get, "/healthz").result_int() == 200u);
  f.srv->stop();
  BOOST_TEST(c.closed_by_server());
}

BOOST_AUTO_TEST_CASE(listen_address_parsing) {
  net::server_options o;
  std::string error;
  BOOST_TEST(net::parse_listen_address("127.0.0.1:9000", o, error));
  BOOST_TEST(o.port == 9000);
  BOOST_TEST(net::parse_listen_address("[::1]:0", o, error));
  BOOST_TEST(o.address.is_v6());
  BOOST_TEST(o.port == 0);
  BOOST_TEST(!net::parse_listen_address("localhost:80", o, error));
  BOOST_TEST(!error.empty());
  BOOST_TEST(!net::parse_listen_address("127.0.0.1", o, error));
  BOOST_TEST(!net::parse_listen_address("127.0.0.1:99999", o, error));
  BOOST_TEST(!net::parse_listen_address("127.0.0.1:8x", o, error));
}

BOOST_AUTO_TEST_SUITE_END()
