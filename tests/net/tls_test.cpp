// The endpoint over TLS: HTTPS round trips with a verified certificate, a plain request on
// the TLS port refused without disturbing other connections, a stop cutting a TLS download,
// and certificate/key files that cannot be used.
#include "support/server_fixture.hpp"
#include "support/temp_dir.hpp"
#include "support/test_certificate.hpp"
#include "support/tls_http_client.hpp"

#include "jetstrand/transaction.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <thread>

using namespace jetstrand;
using jetstrand::test::http_client;
using jetstrand::test::json_of;
using jetstrand::test::tls_http_client;
namespace http = boost::beast::http;
using verb = http::verb;

namespace {

const std::string b = "/v1/instances/a/backup";

struct certificates {
  test::temp_dir dir;
  test::test_certificate local = test::make_test_certificate(dir.path(), "local", "DNS:localhost,IP:127.0.0.1");
  test::test_certificate other = test::make_test_certificate(dir.path(), "other", "DNS:other.example");
};

net::server_options tls_options(const test::test_certificate& c) {
  net::server_options o;
  o.tls_certificate_chain = c.certificate;
  o.tls_private_key = c.private_key;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(https_round_trip_and_a_plain_request_is_refused_alone) {
  certificates certs;
  test::server_fixture f(tls_options(certs.local));
  tls_http_client c(f.port, certs.local.certificate);
  BOOST_TEST(c.request(verb::get, "/healthz").result_int() == 200u);
  BOOST_TEST(c.request(verb::post, "/v1/instances", R"({"name":"a"})").result_int() == 201u);

  // Plain HTTP on the TLS port: a plain 400 that says why, then that connection closes.
  http_client plain(f.port);
  auto refused = plain.request(verb::get, "/healthz");
  BOOST_TEST(refused.result_int() == 400u);
  BOOST_TEST(refused.body().find("HTTPS only") != std::string::npos, refused.body());
  BOOST_TEST(plain.closed_by_server());

  // The TLS connection opened before it still works.
  auto listed = json_of(c.request(verb::get, "/v1/instances"));
  BOOST_TEST(listed.at("instances").as_array().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_client_that_does_not_trust_the_certificate_fails_the_handshake) {
  certificates certs;
  test::server_fixture f(tls_options(certs.local));
  // Trusting another certificate: the server's is unknown to it.
  BOOST_CHECK_THROW(tls_http_client(f.port, certs.other.certificate), boost::system::system_error);
  // A certificate for other.example served at 127.0.0.1 fails the name check.
  test::server_fixture g(tls_options(certs.other));
  BOOST_CHECK_THROW(tls_http_client(g.port, certs.other.certificate), boost::system::system_error);
  // Neither failure disturbed the servers.
  BOOST_TEST(tls_http_client(f.port, certs.local.certificate).request(verb::get, "/healthz").result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(a_stop_cuts_a_tls_download_short) {
  certificates certs;
  test::server_fixture f(tls_options(certs.local));
  auto inst = f.create("a");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  for (int i = 0; i < 4096; i += 100) {  // about 8 MiB
    transaction t;
    for (int j = i; j < i + 100; ++j) t.put("d", "k" + std::to_string(j), std::string(2000, static_cast<char>('a' + j % 26)));
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_commit(std::move(t), test::wait).get()));
  }
  tls_http_client c(f.port, certs.local.certificate);
  BOOST_TEST_REQUIRE(c.request(verb::post, b).result_int() == 201u);
  // A slow client: a small receive window, so the server's TLS writes block.
  tls_http_client slow(f.port, certs.local.certificate, 16 * 1024);
  auto& head = slow.start_download(b + "/files/d.jdb");
  BOOST_TEST_REQUIRE(head.get().result_int() == 200u);
  const auto length = head.content_length().value_or(0);
  BOOST_TEST_REQUIRE(length > 4u << 20);
  BOOST_TEST(c.request(verb::post, b + "/stop").result_int() == 200u);
  BOOST_TEST(slow.read_body() < length, "the download ran to its end despite the stop");
  bool failed = false;
  for (int i = 0; i < 1000 && !failed; ++i) {
    auto st = json_of(c.request(verb::get, b));
    const auto& file = st.at("files").as_array().at(0);
    failed = file.at("state").as_string() == "failed" && file.at("error").as_int64() == -801;
    if (!failed) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  BOOST_TEST(failed, "the file's status never showed -801");
  BOOST_TEST(json_of(c.request(verb::delete_, b)).at("result").as_string() == "aborted");
}

BOOST_AUTO_TEST_CASE(certificate_and_key_files_that_cannot_be_used_are_named) {
  certificates certs;
  test::engine_fixture f;
  auto expect_refusal = [&](net::server_options o, const std::string& says) {
    o.port = 0;
    try {
      net::server s(f.io.get_executor(), *f.eng, o);
      BOOST_ERROR("the server started with " + says);
    } catch (const std::runtime_error& e) {
      BOOST_TEST(std::string(e.what()).find(says) != std::string::npos, e.what());
    }
  };
  auto mismatched = tls_options(certs.local);
  mismatched.tls_private_key = certs.other.private_key;
  expect_refusal(mismatched, "other.key: cannot use it");
  auto missing = tls_options(certs.local);
  missing.tls_certificate_chain = certs.dir.path() / "missing.crt";
  expect_refusal(missing, "missing.crt");
  auto half = tls_options(certs.local);
  half.tls_private_key.clear();
  expect_refusal(half, "both");
}

BOOST_AUTO_TEST_SUITE_END()
