// GET / (the dashboard) and GET /v1/openapi.json: the document lists exactly the routes the
// router serves, with the methods it allows, and is served as checked in; the page is served
// without the token, whole, and loads nothing from anywhere else.
#include "support/server_fixture.hpp"

#include "router.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace jetstrand;
using jetstrand::test::http_client;
using jetstrand::test::json_of;
using jetstrand::test::server_fixture;
namespace http = boost::beast::http;
using verb = http::verb;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_TEST_REQUIRE(in.good(), "cannot read " << path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// Resolves "#/components/schemas/X".
bool ref_resolves(const boost::json::object& doc, std::string_view ref) {
  constexpr std::string_view prefix = "#/components/schemas/";
  if (ref.substr(0, prefix.size()) != prefix) return false;
  return doc.at("components").at("schemas").as_object().contains(ref.substr(prefix.size()));
}

void check_refs(const boost::json::object& doc, const boost::json::value& v, int& refs) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.as_object()) {
      if (k == "$ref") {
        ++refs;
        BOOST_TEST(ref_resolves(doc, child.as_string()), child.as_string());
      } else {
        check_refs(doc, child, refs);
      }
    }
  } else if (v.is_array()) {
    for (const auto& child : v.as_array()) check_refs(doc, child, refs);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_web)

BOOST_AUTO_TEST_CASE(the_openapi_document_lists_exactly_the_routes_the_router_serves) {
  net::server_options o;
  o.token = "t0ken";
  server_fixture s(o);
  http_client c(s.port);
  BOOST_TEST(c.request(verb::get, "/v1/openapi.json").result_int() == 401u);  // data about the API: token
  auto res = c.request(verb::get, "/v1/openapi.json", {}, "t0ken");
  BOOST_TEST_REQUIRE(res.result_int() == 200u);
  BOOST_TEST(res[http::field::content_type] == "application/json");
  BOOST_TEST(res.body() == read_file(OPENAPI_FILE));  // served as checked in
  const auto doc = boost::json::parse(res.body()).as_object();
  BOOST_TEST(doc.at("openapi").as_string().starts_with("3.1"));

  std::set<std::string> served, documented;
  for (const auto& r : net::route_table()) {
    for (auto m : r.methods) served.insert(lower(http::to_string(m)) + " " + r.path);
  }
  static const std::set<std::string> methods{"get", "put", "post", "delete", "patch", "head", "options", "trace"};
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [key, op] : item.as_object()) {
      if (!methods.contains(std::string(key))) continue;
      documented.insert(std::string(key) + " " + std::string(path));
      // Every operation says what it answers, and its path parameters are declared.
      BOOST_TEST(!op.at("responses").as_object().empty(), path);
      BOOST_TEST(op.as_object().contains("summary"), path);
    }
    std::regex param(R"(\{([a-z]+)\})");
    const std::string p(path);
    for (std::sregex_iterator it(p.begin(), p.end(), param), end; it != end; ++it) {
      bool declared = false;
      if (auto* params = item.as_object().if_contains("parameters")) {
        for (const auto& d : params->as_array()) declared |= d.at("name").as_string() == (*it)[1].str();
      }
      BOOST_TEST(declared, p << ": {" << (*it)[1].str() << "} is not declared");
    }
  }
  for (const auto& route : served) BOOST_TEST(documented.contains(route), route << " is served but not documented");
  for (const auto& route : documented) BOOST_TEST(served.contains(route), route << " is documented but not served");
  BOOST_TEST(served.contains("get /"));

  int refs = 0;
  check_refs(doc, doc, refs);
  BOOST_TEST(refs > 10);
  // The error body of every failure is the one schema of SPEC §2.
  BOOST_TEST(doc.at("components").at("schemas").at("Error").at("required").as_array()[0].as_string() == "error");
}

BOOST_AUTO_TEST_CASE(the_dashboard_is_served_without_the_token_and_loads_nothing_from_elsewhere) {
  net::server_options o;
  o.token = "t0ken";
  server_fixture s(o);
  http_client c(s.port);
  auto res = c.request(verb::get, "/");
  BOOST_TEST_REQUIRE(res.result_int() == 200u);
  BOOST_TEST(res[http::field::content_type] == "text/html; charset=utf-8");
  const std::string csp(res["Content-Security-Policy"]);
  BOOST_TEST(csp.find("default-src 'none'") != std::string::npos);
  BOOST_TEST(csp.find("connect-src 'self'") != std::string::npos);
  const auto& page = res.body();
  // One page: style and script inlined at build time, none of them fetched.
  BOOST_TEST(page.find("/*@dashboard") == std::string::npos);
  BOOST_TEST(page.find("async function refresh()") != std::string::npos);
  BOOST_TEST(page.find(".instance {") != std::string::npos);
  BOOST_TEST(!std::regex_search(page, std::regex(R"((src|href)\s*=)")));
  BOOST_TEST(!std::regex_search(page, std::regex(R"(https?://)")));
  BOOST_TEST(page.find("@import") == std::string::npos);
  // Everything else still needs it.
  BOOST_TEST(c.request(verb::get, "/v1/instances").result_int() == 401u);
  BOOST_TEST(c.request(verb::post, "/").result_int() == 401u);  // not the page: the token first
  BOOST_TEST(c.request(verb::post, "/", {}, "t0ken").result_int() == 405u);
  BOOST_TEST(c.request(verb::get, "/index.html", {}, "t0ken").result_int() == 404u);
}

BOOST_AUTO_TEST_SUITE_END()
