// Black-box: the jetstrand binary as a user runs it.
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>

using jetstrand::test::child_process;
using jetstrand::test::http_client;
namespace http = boost::beast::http;

namespace {
const std::string binary = JETSTRAND_BINARY;

std::vector<std::string> serve_args(const jetstrand::test::temp_dir& dir,
                                    std::vector<std::string> extra = {}) {
  std::vector<std::string> a{binary, "serve", "--listen", "127.0.0.1:0", "--data",
                             (dir.path() / "data").string()};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(cli_serve)

BOOST_AUTO_TEST_CASE(serves_healthz_and_exits_cleanly_on_sigterm) {
  jetstrand::test::temp_dir dir;
  child_process p(serve_args(dir));
  auto port = p.wait_for_stdout(R"(serving http://127\.0\.0\.1:(\d+))");
  BOOST_TEST_REQUIRE(port.has_value(), p.err());
  {
    http_client c(static_cast<unsigned short>(std::stoi(*port)));
    auto res = c.request(http::verb::get, "/healthz");
    BOOST_TEST(res.result_int() == 200u);
    res = c.request(http::verb::get, "/v1/instances");
    auto first = jetstrand::test::json_of(res).at("instances").at(0);
    BOOST_TEST(first.at("name").as_string() == "default");
    BOOST_TEST(first.at("databases").at(0).as_string() == "default");
  }
  BOOST_TEST(std::filesystem::exists(dir.path() / "data" / "default" / "LOCK"));
  p.signal(SIGTERM);
  BOOST_TEST(p.wait() == 0, p.err());
}

BOOST_AUTO_TEST_CASE(sigint_also_exits_zero) {
  jetstrand::test::temp_dir dir;
  child_process p(serve_args(dir));
  BOOST_TEST_REQUIRE(p.wait_for_stdout(R"(serving http://127\.0\.0\.1:(\d+))").has_value());
  p.signal(SIGINT);
  BOOST_TEST(p.wait() == 0, p.err());
  BOOST_TEST(p.err().find("SIGINT, shutting down") != std::string::npos, p.err());
}

BOOST_AUTO_TEST_CASE(second_server_on_the_same_data_is_refused) {
  jetstrand::test::temp_dir dir;
  child_process first(serve_args(dir));
  BOOST_TEST_REQUIRE(first.wait_for_stdout(R"(serving http://127\.0\.0\.1:(\d+))").has_value());
  child_process second(serve_args(dir));
  BOOST_TEST(second.wait() == 1);
  BOOST_TEST(second.err().find("another process") != std::string::npos, second.err());
  first.signal(SIGTERM);
  BOOST_TEST(first.wait() == 0);
}

BOOST_AUTO_TEST_CASE(help_is_printed_and_exits_zero) {
  for (auto args : {std::vector<std::string>{binary, "--help"},
                    std::vector<std::string>{binary, "serve", "--help"}}) {
    child_process p(args);
    BOOST_TEST(p.wait() == 0);
    BOOST_TEST(p.out().find("usage: jetstrand") != std::string::npos, p.out());
  }
}

BOOST_AUTO_TEST_CASE(bad_arguments_exit_2_with_a_reason) {
  struct expectation {
    std::vector<std::string> args;
    std::string says;
  };
  const expectation cases[] = {
      {{binary}, "usage: jetstrand"},
      {{binary, "frobnicate"}, "unknown command 'frobnicate'"},
      {{binary, "serve", "--listen", "localhost:80"}, "IP address literal"},
      {{binary, "serve", "--listen"}, "--listen needs a value"},
      {{binary, "serve", "--log-level", "loud"}, "--log-level loud"},
      {{binary, "serve", "--file-backend", "floppy"}, "--file-backend floppy"},
      {{binary, "serve", "--threads", "0"}, "--threads 0"},
      {{binary, "serve", "--bogus"}, "unexpected argument '--bogus'"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.args.back()) {
      child_process p(c.args);
      BOOST_TEST(p.wait() == 2);
      BOOST_TEST(p.err().find(c.says) != std::string::npos, p.err());
    }
  }
}

BOOST_AUTO_TEST_CASE(version_is_printed) {
  child_process p({binary, "--version"});
  BOOST_TEST(p.wait() == 0);
  BOOST_TEST(p.out().starts_with("jetstrand "));
}

BOOST_AUTO_TEST_SUITE_END()
