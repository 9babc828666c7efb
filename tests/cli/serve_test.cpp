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

BOOST_AUTO_TEST_CASE(cache_size_sets_the_budget_shown_in_metrics) {
  jetstrand::test::temp_dir dir;
  child_process p(serve_args(dir, {"--cache-size", "1.5M"}));
  auto port = p.wait_for_stdout(R"(serving http://127\.0\.0\.1:(\d+))");
  BOOST_TEST_REQUIRE(port.has_value(), p.err());
  {
    http_client c(static_cast<unsigned short>(std::stoi(*port)));
    auto res = c.request(http::verb::get, "/metrics");
    BOOST_TEST(res.body().find("jetstrand_cache_budget_bytes{instance=\"default\"} 1572864") != std::string::npos,
               res.body());
  }
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

// An instance made over HTTP is there again after a restart (and after a crash), with its data.
BOOST_AUTO_TEST_CASE(a_restart_opens_every_instance_in_the_data_directory) {
  jetstrand::test::temp_dir dir;
  auto start = [&] {
    auto p = std::make_unique<child_process>(serve_args(dir));
    auto port = p->wait_for_stdout(R"(serving http://127\.0\.0\.1:(\d+))");
    BOOST_TEST_REQUIRE(port.has_value(), p->err());
    return std::pair{std::move(p), static_cast<unsigned short>(std::stoi(*port))};
  };
  {
    auto [p, port] = start();
    http_client c(port);
    BOOST_TEST(c.request(http::verb::post, "/v1/instances", R"({"name":"shop"})").result_int() == 201u);
    BOOST_TEST(c.request(http::verb::post, "/v1/instances/shop/databases", R"({"name":"orders"})").result_int() == 201u);
    BOOST_TEST(c.request(http::verb::put, "/v1/instances/shop/databases/orders/keys/o1", "42").result_int() == 200u);
    p->signal(SIGTERM);
    BOOST_TEST(p->wait() == 0, p->err());
  }
  for (int crash : {0, 1}) {
    auto [p, port] = start();
    BOOST_TEST(p->out().find("opened instance shop") != std::string::npos, p->out());
    {
      http_client c(port);
      auto list = jetstrand::test::json_of(c.request(http::verb::get, "/v1/instances")).at("instances").as_array();
      BOOST_TEST_REQUIRE(list.size() == 2u);
      BOOST_TEST(list[0].at("name").as_string() == "default");
      BOOST_TEST(list[1].at("name").as_string() == "shop");
      auto r = c.request(http::verb::get, "/v1/instances/shop/databases/orders/keys/o1");
      BOOST_TEST(r.result_int() == 200u);
      BOOST_TEST(r.body() == "42");
    }
    p->signal(crash ? SIGKILL : SIGTERM);
    p->wait();
  }
}

BOOST_AUTO_TEST_CASE(a_busy_port_is_named_without_library_noise) {
  jetstrand::test::temp_dir dir;
  child_process first(serve_args(dir));
  auto port = first.wait_for_stdout(R"(serving http://127\.0\.0\.1:(\d+))");
  BOOST_TEST_REQUIRE(port.has_value());
  jetstrand::test::temp_dir other;
  child_process second({binary, "serve", "--listen", "127.0.0.1:" + *port, "--data", (other.path() / "data").string()});
  BOOST_TEST(second.wait() == 1);
  BOOST_TEST(second.err().find("cannot listen on 127.0.0.1:" + *port) != std::string::npos, second.err());
  BOOST_TEST(second.err().find("--listen") != std::string::npos, second.err());
  BOOST_TEST(second.err().find("/usr/include") == std::string::npos, second.err());
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
      {{binary, "serve", "--listen"}, "the required argument for option '--listen' is missing"},
      {{binary, "serve", "--log-level", "loud"}, "--log-level loud"},
      {{binary, "serve", "--file-backend", "floppy"}, "--file-backend floppy"},
      {{binary, "serve", "--threads", "0"}, "--threads 0"},
      {{binary, "serve", "--cache-size", "1K"}, "--cache-size 1K: expected a size of at least 256K"},
      {{binary, "serve", "--cache-size", "lots"}, "--cache-size lots"},
      {{binary, "serve", "--bogus"}, "unrecognised option '--bogus'"},
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
