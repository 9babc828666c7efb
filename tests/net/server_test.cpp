// The HTTP endpoint in-process, driven by a Beast client over 127.0.0.1.
#include "support/server_fixture.hpp"

#include "jetstrand/net/server.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <thread>

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

// Request smuggling: a request whose end is in doubt is refused and its connection closed,
// so nothing hidden in its body is ever executed.
BOOST_AUTO_TEST_CASE(ambiguous_framing_is_400_and_nothing_hidden_runs) {
  server_fixture f;
  const std::string hidden =
      "POST /v1/instances HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 12\r\n\r\n{\"name\":\"z\"}";
  for (const std::string te : {"xchunked", "gzip", "chunked, identity", "chunked, chunked"}) {
    http_client c(f.port);
    auto res = c.raw("POST /v1/instances HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te +
                     "\r\n\r\n" + hidden);
    BOOST_TEST(res.result_int() == 400u, te);
    BOOST_TEST(c.closed_by_server(), te);
  }
  {  // chunked and Content-Length together
    http_client c(f.port);
    auto res = c.raw("POST /v1/instances HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden);
    BOOST_TEST(res.result_int() == 400u);
    BOOST_TEST(c.closed_by_server());
  }
  BOOST_TEST(f.eng->find_instance("z") == nullptr);
  // A plain chunked body is fine.
  http_client c(f.port);
  auto res = c.raw("POST /v1/instances HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "c\r\n{\"name\":\"q\"}\r\n0\r\n\r\n");
  BOOST_TEST(res.result_int() == 201u);
  BOOST_TEST(f.eng->find_instance("q") != nullptr);
}

// UndefinedBehaviorSanitizer's vptr check needs a descriptor of its own (it probes memory
// through a pipe) and reports every virtual call as invalid while there is none: the
// exhaustion test runs in the plain and the ThreadSanitizer builds, not in ASan+UBSan's.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool sanitizer_needs_descriptors = true;
#else
constexpr bool sanitizer_needs_descriptors = false;
#endif

boost::test_tools::assertion_result descriptors_may_run_out(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(!sanitizer_needs_descriptors);
  r.message() << "UBSan's vptr check cannot run without descriptors";
  return r;
}

// Out of descriptors for a moment: requests fail while it lasts (the log cannot open a
// generation, the acceptor cannot accept), and everything works again once they are back.
BOOST_AUTO_TEST_CASE(descriptor_exhaustion_is_survived,
                     *boost::unit_test::precondition(descriptors_may_run_out)) {
  server_fixture f;
  http_client c(f.port);
  const std::string inst = "/v1/instances/a";
  BOOST_TEST(c.request(http::verb::post, "/v1/instances", R"({"name":"a"})").result_int() == 201u);
  BOOST_TEST(c.request(http::verb::post, inst + "/databases", R"({"name":"d"})").result_int() == 201u);
  // Nothing committed yet: the first commit must create the log's first generation.

  // A full backup's begin checkpoints (which opens files): before the outage.
  BOOST_TEST(c.request(http::verb::post, inst + "/backup", R"({"incremental":false})").result_int() == 201u);
  boost::asio::io_context io;  // its epoll descriptor, before the outage too
  boost::asio::ip::tcp::socket late(io);
  rlimit old{};
  BOOST_TEST_REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
  rlimit low = old;
  low.rlim_cur = std::min<rlim_t>(old.rlim_cur, 1024);
  BOOST_TEST_REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
  std::vector<int> hog;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) hog.push_back(fd);
  BOOST_TEST_REQUIRE(errno == EMFILE);

  // The first commit cannot create the log's generation; neither can log-info's roll.
  auto r = c.request(http::verb::put, inst + "/databases/d/keys/k", "v1");
  BOOST_TEST(r.result_int() == 500u);
  r = c.request(http::verb::post, inst + "/backup/log-info");
  BOOST_TEST(r.result_int() == 500u);
  BOOST_TEST(c.request(http::verb::delete_, inst + "/backup?mode=abort").result_int() == 200u);
  // One descriptor for a new client: the server has none left to accept it with.
  ::close(hog.back());
  hog.pop_back();
  late.connect({boost::asio::ip::make_address_v4("127.0.0.1"), f.port});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // accepts fail meanwhile

  for (int fd : hog) ::close(fd);
  BOOST_TEST_REQUIRE(setrlimit(RLIMIT_NOFILE, &old) == 0);
  // Writes and log-info work again, on the old connection and on the one that waited.
  BOOST_TEST(c.request(http::verb::put, inst + "/databases/d/keys/k", "v2").result_int() == 200u);
  BOOST_TEST(c.request(http::verb::post, inst + "/backup", R"({"incremental":false})").result_int() == 201u);
  BOOST_TEST(c.request(http::verb::post, inst + "/backup/log-info").result_int() == 200u);
  BOOST_TEST(c.request(http::verb::delete_, inst + "/backup?mode=abort").result_int() == 200u);
  const std::string get = "GET " + inst + "/databases/d/keys/k HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::asio::write(late, boost::asio::buffer(get));
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(late, buf, res);
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(res.body() == "v2");
}

// Reads one response within `limit` (Beast's timeouts apply to async operations only).
boost::system::error_code read_within(boost::asio::io_context& io, boost::beast::tcp_stream& s,
                                      http::response<http::string_body>& res,
                                      std::chrono::milliseconds limit) {
  static boost::beast::flat_buffer buf;
  buf.clear();
  boost::system::error_code result = boost::asio::error::would_block;
  s.expires_after(limit);
  http::async_read(s, buf, res, [&](boost::system::error_code ec, std::size_t) { result = ec; });
  io.restart();
  io.run();
  return result;
}

// Past max_connections, new connections wait in the backlog until one closes.
BOOST_AUTO_TEST_CASE(connection_cap_holds_new_connections_until_one_closes) {
  net::server_options o;
  o.max_connections = 2;
  server_fixture f(o);
  auto c1 = std::make_unique<http_client>(f.port);
  http_client c2(f.port);
  BOOST_TEST(c1->request(http::verb::get, "/healthz").result_int() == 200u);
  BOOST_TEST(c2.request(http::verb::get, "/healthz").result_int() == 200u);

  boost::asio::io_context io;
  boost::beast::tcp_stream third(io);
  third.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), f.port));
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::asio::write(third, boost::asio::buffer(get));
  http::response<http::string_body> res;
  auto ec = read_within(io, third, res, std::chrono::milliseconds(300));
  BOOST_TEST((ec == boost::beast::error::timeout), ec.message());  // not served while two are open
  // A timed-out Beast stream is closed: a fourth connection waits the same way, then the
  // first goes away and it is served.
  boost::beast::tcp_stream fourth(io);
  fourth.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), f.port));
  boost::asio::write(fourth, boost::asio::buffer(get));
  c1.reset();
  http::response<http::string_body> res4;
  ec = read_within(io, fourth, res4, std::chrono::seconds(10));
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST(res4.result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(idle_connection_times_out) {
  net::server_options o;
  o.io_timeout = std::chrono::milliseconds(200);
  server_fixture f(o);
  http_client c(f.port);
  BOOST_TEST(c.closed_by_server());  // sends nothing: the server gives up on it
}

// The timeout is for a step that makes no progress, not for a whole request: a body that
// trickles in over several timeouts is read; one that stops arriving is given up on.
BOOST_AUTO_TEST_CASE(a_slow_body_is_read_while_it_makes_progress_and_a_stalled_one_is_cut) {
  net::server_options o;
  o.io_timeout = std::chrono::milliseconds(300);
  server_fixture f(o);
  const std::string body = R"({"name":"slowly"})";
  const std::string head = "POST /v1/instances HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  boost::asio::io_context io;
  const boost::asio::ip::tcp::endpoint at(boost::asio::ip::make_address_v4("127.0.0.1"), f.port);
  {
    boost::beast::tcp_stream slow(io);
    slow.connect(at);
    boost::asio::write(slow, boost::asio::buffer(head));
    for (char c : body) {  // 17 bytes, 100 ms apart: 1.7 s in all, more than five timeouts
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      boost::asio::write(slow, boost::asio::buffer(&c, 1));
    }
    http::response<http::string_body> res;
    auto ec = read_within(io, slow, res, std::chrono::seconds(10));
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(res.result_int() == 201u, res.body());
  }
  {
    boost::beast::tcp_stream stalled(io);
    stalled.connect(at);
    boost::asio::write(stalled, boost::asio::buffer(head + body.substr(0, 5)));
    http::response<http::string_body> res;
    auto ec = read_within(io, stalled, res, std::chrono::seconds(10));  // closed, unanswered
    BOOST_TEST((ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
                ec == boost::asio::error::connection_reset),
               ec.message());
  }
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
