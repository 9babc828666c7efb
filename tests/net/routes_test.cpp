// Every route of SPEC §4 with its statuses and error bodies, through a Beast client.
#include "support/server_fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace jetstrand;
using jetstrand::test::check_error_body;
using jetstrand::test::http_client;
using jetstrand::test::json_of;
using jetstrand::test::server_fixture;
namespace http = boost::beast::http;

namespace {

using verb = http::verb;

struct routes_fixture : server_fixture {
  explicit routes_fixture(net::server_options o = {}) : server_fixture(std::move(o)), c(port) {}
  http::response<http::string_body> req(verb v, const std::string& target, const std::string& body = {}) {
    return c.request(v, target, body, token);
  }
  http_client c;
  std::string token;
};

const std::string inst_a = "/v1/instances/a";

}  // namespace

BOOST_AUTO_TEST_SUITE(http_routes)

BOOST_AUTO_TEST_CASE(instances_are_created_listed_and_terminated) {
  routes_fixture f;
  auto r = f.req(verb::post, "/v1/instances", R"({"name":"a"})");
  BOOST_TEST(r.result_int() == 201u);
  BOOST_TEST(json_of(r).at("state").as_string() == "running");
  r = f.req(verb::post, "/v1/instances", R"({"name":"a"})");
  BOOST_TEST(r.result_int() == 409u);
  check_error_body(r, -1086);
  r = f.req(verb::post, "/v1/instances", R"({"name":"../x"})");
  BOOST_TEST(r.result_int() == 400u);
  check_error_body(r, -1003);
  r = f.req(verb::post, "/v1/instances", R"({"nom":"a"})");
  BOOST_TEST(r.result_int() == 400u);
  r = f.req(verb::get, "/v1/instances");
  BOOST_TEST(r.result_int() == 200u);
  auto list = json_of(r).at("instances").as_array();
  BOOST_TEST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].at("name").as_string() == "a");
  BOOST_TEST(list[0].at("backup").is_null());
  BOOST_TEST(list[0].at("last_backup").is_null());
  r = f.req(verb::delete_, inst_a + "?mode=gently");
  BOOST_TEST(r.result_int() == 400u);
  r = f.req(verb::delete_, inst_a + "?mode=abrupt");
  BOOST_TEST(r.result_int() == 200u);
  BOOST_TEST(json_of(r).at("state").as_string() == "terminated");
  r = f.req(verb::get, inst_a);
  BOOST_TEST(r.result_int() == 404u);
  check_error_body(r, -1003);  // S4: the code stays -1003 for an unknown instance
}

BOOST_AUTO_TEST_CASE(databases_and_keys) {
  routes_fixture f;
  BOOST_TEST_REQUIRE(f.req(verb::post, "/v1/instances", R"({"name":"a"})").result_int() == 201u);
  auto r = f.req(verb::post, inst_a + "/databases", R"({"name":"d"})");
  BOOST_TEST(r.result_int() == 201u);
  r = f.req(verb::post, inst_a + "/databases", R"({"name":"d"})");
  BOOST_TEST(r.result_int() == 409u);
  check_error_body(r, -1201);
  r = f.req(verb::get, inst_a + "/databases");
  BOOST_TEST(json_of(r).at("databases").as_array().size() == 1u);

  const std::string key = inst_a + "/databases/d/keys/k1";
  r = f.req(verb::put, key, "hello \x01 bytes");
  BOOST_TEST(r.result_int() == 200u);
  r = f.req(verb::get, key);
  BOOST_TEST(r.result_int() == 200u);
  BOOST_TEST(r.body() == "hello \x01 bytes");
  BOOST_TEST(r[http::field::content_type] == "application/octet-stream");
  BOOST_TEST(f.req(verb::delete_, key).result_int() == 200u);
  r = f.req(verb::get, key);
  BOOST_TEST(r.result_int() == 404u);
  check_error_body(r, -1601);
  r = f.req(verb::get, inst_a + "/databases/nope/keys/k1");
  BOOST_TEST(r.result_int() == 404u);
  check_error_body(r, -1203);
  for (std::string bad : {"%2e%2e", "..", "a%2Fb", "sp%20ace"}) {
    // Any bytes make a key; names stay [A-Za-z0-9_-].
    r = f.req(verb::get, inst_a + "/databases/d/keys/" + bad);
    BOOST_TEST(r.result_int() == 404u, bad);
    check_error_body(r, -1601);
    r = f.req(verb::get, "/v1/instances/" + bad);
    BOOST_TEST(r.result_int() / 100 == 4u, bad);
  }
}

BOOST_AUTO_TEST_CASE(backup_calls_follow_the_sequence) {
  routes_fixture f;
  BOOST_TEST_REQUIRE(f.req(verb::post, "/v1/instances", R"({"name":"a"})").result_int() == 201u);
  BOOST_TEST_REQUIRE(f.req(verb::post, inst_a + "/databases", R"({"name":"d"})").result_int() == 201u);
  for (int i = 0; i < 50; ++i) f.req(verb::put, inst_a + "/databases/d/keys/k" + std::to_string(i), std::string(500, 'x'));
  const std::string b = inst_a + "/backup";

  auto r = f.req(verb::get, b);
  BOOST_TEST(r.result_int() == 409u);
  check_error_body(r, -520);
  r = f.req(verb::get, b + "/attach-info");
  check_error_body(r, -520);
  r = f.req(verb::post, b, R"({"incremental":true})");
  BOOST_TEST(r.result_int() == 409u);
  check_error_body(r, -560);
  r = f.req(verb::post, b, R"({"incremental":"yes"})");
  BOOST_TEST(r.result_int() == 400u);
  r = f.req(verb::post, b, "{not json");
  BOOST_TEST(r.result_int() == 400u);

  r = f.req(verb::put, b + "/max-rate", R"({"max_rate":1000})");
  BOOST_TEST(r.result_int() == 409u);  // no backup
  check_error_body(r, -520);
  BOOST_TEST(f.req(verb::post, b, R"({"max_rate":-1})").result_int() == 400u);
  BOOST_TEST(f.req(verb::post, b, R"({"max_rate":1.5})").result_int() == 400u);
  r = f.req(verb::post, b, R"({"incremental":false,"max_rate":1048576})");
  BOOST_TEST_REQUIRE(r.result_int() == 201u);
  auto st = json_of(r);
  BOOST_TEST(st.at("state").as_string() == "databases");
  BOOST_TEST(st.at("stop_requested").as_bool() == false);
  BOOST_TEST(st.at("max_rate").as_int64() == 1048576);
  BOOST_TEST(json_of(f.req(verb::get, b)).at("max_rate").as_int64() == 1048576);
  r = f.req(verb::put, b + "/max-rate", R"({"max_rate":0})");
  BOOST_TEST(r.result_int() == 200u);
  BOOST_TEST(json_of(r).at("max_rate").as_int64() == 0);
  BOOST_TEST(f.req(verb::put, b + "/max-rate", R"({"rate":5})").result_int() == 400u);
  BOOST_TEST(f.req(verb::put, b + "/max-rate", R"({"max_rate":"fast"})").result_int() == 400u);
  BOOST_TEST(f.req(verb::post, b, "{}").result_int() == 409u);  // -505
  BOOST_TEST(f.req(verb::post, b + "/log-info").result_int() == 200u);  // ends the database phase
  r = f.req(verb::get, b + "/files/d.jdb");
  BOOST_TEST(r.result_int() == 409u);  // a database after log-info is out of sequence
  check_error_body(r, -521);
  BOOST_TEST(f.req(verb::delete_, b + "?mode=sideways").result_int() == 400u);
  r = f.req(verb::delete_, b + "?mode=abort");
  BOOST_TEST(r.result_int() == 200u);
  BOOST_TEST(json_of(r).at("result").as_string() == "aborted");

  // The whole sequence.
  BOOST_TEST_REQUIRE(f.req(verb::post, b).result_int() == 201u);  // no body: a full backup
  r = f.req(verb::get, b + "/attach-info");
  BOOST_TEST_REQUIRE(r.result_int() == 200u);
  auto files = json_of(r).at("files").as_array();
  BOOST_TEST_REQUIRE(files.size() == 1u);
  BOOST_TEST(files[0].as_string() == "d.jdb");
  r = f.req(verb::get, b + "/files/d.jdb");
  BOOST_TEST(r.result_int() == 200u);
  BOOST_TEST(r.body().size() % 4096 == 0u);
  BOOST_TEST(r.body().size() > 0u);
  r = f.req(verb::get, b + "/files/nope.jdb");
  BOOST_TEST(r.result_int() == 404u);
  check_error_body(r, -1811);
  r = f.req(verb::get, b + "/files/..%2Fcheckpoint");
  BOOST_TEST(r.result_int() == 400u);
  r = f.req(verb::post, b + "/truncate-log");
  check_error_body(r, -521);  // before log-info
  r = f.req(verb::post, b + "/log-info");
  BOOST_TEST_REQUIRE(r.result_int() == 200u);
  auto li = json_of(r);
  BOOST_TEST(li.at("gen_low").as_int64() < li.at("gen_high").as_int64());
  BOOST_TEST((json_of(f.req(verb::post, b + "/log-info")) == li));  // repeated: the same range
  r = f.req(verb::post, b + "/truncate-log");
  BOOST_TEST(r.result_int() == 409u);
  check_error_body(r, -616);  // the logs were not read yet
  for (const auto& log : li.at("files").as_array()) {
    r = f.req(verb::get, b + "/files/" + std::string(log.as_string()));
    BOOST_TEST(r.result_int() == 200u);
  }
  st = json_of(f.req(verb::get, b));
  BOOST_TEST(st.at("state").as_string() == "logs");
  BOOST_TEST(st.at("bytes_read").as_int64() == st.at("bytes_total").as_int64());
  for (const auto& file : st.at("files").as_array()) BOOST_TEST(file.at("state").as_string() == "copied");
  r = f.req(verb::get, b + "/truncate-log-info");
  BOOST_TEST(r.result_int() == 200u);
  BOOST_TEST(json_of(r).at("files").is_array());
  BOOST_TEST(f.req(verb::post, b + "/truncate-log").result_int() == 200u);
  r = f.req(verb::delete_, b);
  BOOST_TEST(r.result_int() == 200u);
  BOOST_TEST(json_of(r).at("result").as_string() == "completed");
  auto last = json_of(f.req(verb::get, inst_a)).at("last_backup");
  BOOST_TEST_REQUIRE(last.is_object());
  BOOST_TEST(last.at("incremental").as_bool() == false);
  BOOST_TEST(last.at("gen_high").as_int64() == li.at("gen_high").as_int64());
  const std::string at(last.at("completed_at").as_string());
  BOOST_TEST((at.size() == 20u && at[10] == 'T' && at.back() == 'Z'), at);
  // Now an incremental may begin; a stop turns every later call into -801 but end.
  BOOST_TEST_REQUIRE(f.req(verb::post, b, R"({"incremental":true})").result_int() == 201u);
  BOOST_TEST(f.req(verb::post, b + "/stop").result_int() == 200u);
  r = f.req(verb::post, b + "/log-info");
  BOOST_TEST(r.result_int() == 409u);
  check_error_body(r, -801);
  st = json_of(f.req(verb::get, b));
  BOOST_TEST(st.at("state").as_string() == "stopped");
  BOOST_TEST(st.at("stop_requested").as_bool());
  BOOST_TEST(json_of(f.req(verb::delete_, b)).at("result").as_string() == "aborted");
  r = f.req(verb::post, "/v1/backup/stop");  // legacy call in multi-instance mode
  BOOST_TEST(r.result_int() == 409u);
  check_error_body(r, -1081);
  r = f.req(verb::post, "/v1/instances/zz/backup/stop");
  BOOST_TEST(r.result_int() == 404u);
  check_error_body(r, -1003);
}

BOOST_AUTO_TEST_CASE(legacy_stop_in_one_instance_mode) {
  engine_options e;
  e.mode = instance_mode::one;
  server_fixture s({}, e);
  http_client c(s.port);
  BOOST_TEST_REQUIRE(c.request(verb::post, "/v1/instances", R"({"name":"a"})").result_int() == 201u);
  BOOST_TEST_REQUIRE(c.request(verb::post, inst_a + "/backup").result_int() == 201u);
  BOOST_TEST(c.request(verb::post, "/v1/backup/stop").result_int() == 200u);
  check_error_body(c.request(verb::get, inst_a + "/backup/attach-info"), -801);
  BOOST_TEST(json_of(c.request(verb::delete_, inst_a + "/backup")).at("result").as_string() == "aborted");
}

BOOST_AUTO_TEST_CASE(token_guards_every_route_but_healthz) {
  net::server_options o;
  o.token = "s3cret";
  routes_fixture f(o);
  auto r = f.req(verb::post, "/v1/instances", R"({"name":"a"})");
  BOOST_TEST(r.result_int() == 401u);
  BOOST_TEST(r[http::field::www_authenticate] == "Bearer");
  check_error_body(r, -1003);
  // The message says whether the token was missing or wrong.
  BOOST_TEST(json_of(r).at("error").at("message").as_string().find("needs a token") != std::string::npos);
  f.token = "wrong";
  r = f.req(verb::post, "/v1/instances", R"({"name":"a"})");
  BOOST_TEST(r.result_int() == 401u);
  BOOST_TEST(json_of(r).at("error").at("message").as_string().find("not this server's") != std::string::npos);
  BOOST_TEST(f.req(verb::post, "/v1/backup/stop").result_int() == 401u);
  f.token = "s3cret";
  BOOST_TEST(f.req(verb::post, "/v1/instances", R"({"name":"a"})").result_int() == 201u);
  BOOST_TEST(f.req(verb::put, inst_a + "/databases", R"({"name":"d"})").result_int() == 405u);
  BOOST_TEST(f.req(verb::post, inst_a + "/databases", R"({"name":"d"})").result_int() == 201u);
  BOOST_TEST(f.req(verb::put, inst_a + "/databases/d/keys/k", "v").result_int() == 200u);
  BOOST_TEST(f.req(verb::get, "/metrics").result_int() == 200u);
  f.token.clear();
  // Reads are data too: values, listings, backup status and files, metrics.
  for (const std::string& target : {std::string("/v1/instances"), inst_a, inst_a + "/databases",
                                   inst_a + "/databases/d/keys/k", inst_a + "/backup",
                                   inst_a + "/backup/attach-info", inst_a + "/backup/files/d.jdb",
                                   std::string("/metrics")}) {
    r = f.req(verb::get, target);
    BOOST_TEST(r.result_int() == 401u, target);
  }
  BOOST_TEST(f.req(verb::put, inst_a + "/databases/d/keys/k", "v").result_int() == 401u);
  BOOST_TEST(f.req(verb::delete_, inst_a).result_int() == 401u);
  BOOST_TEST(f.req(verb::get, "/healthz").result_int() == 200u);
  // Refusals are counted.
  f.token = "s3cret";
  BOOST_TEST(f.req(verb::get, "/metrics").body().find("jetstrand_http_auth_refused_total 13") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_value_of_64_mib_is_stored_and_one_byte_more_is_413) {
  routes_fixture f;
  BOOST_TEST(f.req(verb::post, "/v1/instances", R"({"name":"a"})").result_int() == 201u);
  BOOST_TEST(f.req(verb::post, inst_a + "/databases", R"({"name":"d"})").result_int() == 201u);
  // 64 MiB through a durable commit: seconds in a Debug or sanitizer build on a busy machine,
  // so this client waits longer than the fixture's 10 s per step.
  http_client big(f.port, std::chrono::seconds(120));
  std::string value(max_value_size, 'v');
  for (std::size_t i = 0; i < value.size(); i += 4093) value[i] = static_cast<char>(i / 4093);
  BOOST_TEST(big.request(verb::put, inst_a + "/databases/d/keys/big", value).result_int() == 200u);
  auto r = big.request(verb::get, inst_a + "/databases/d/keys/big");
  BOOST_TEST(r.result_int() == 200u);
  BOOST_TEST((r.body() == value));
  value.push_back('!');
  r = big.request(verb::put, inst_a + "/databases/d/keys/big2", value);
  BOOST_TEST(r.result_int() == 413u);
  check_error_body(r, -1003);
  BOOST_TEST(json_of(r).at("error").at("message").as_string().find("67108864") != std::string::npos, r.body());
}

BOOST_AUTO_TEST_CASE(keys_are_any_bytes_percent_encoded_and_listed_in_pages) {
  routes_fixture f;
  BOOST_TEST(f.req(verb::post, "/v1/instances", R"({"name":"a"})").result_int() == 201u);
  BOOST_TEST(f.req(verb::post, inst_a + "/databases", R"({"name":"d"})").result_int() == 201u);
  const std::string keys = inst_a + "/databases/d/keys";
  // user:42, a slash, a space, a zero byte and 0xff are all keys.
  for (std::string k : {"user%3A42", "a%2Fb", "sp%20ace", "nul%00byte", "%FF", "user%3A7"}) {
    BOOST_TEST(f.req(verb::put, keys + "/" + k, "v-" + k).result_int() == 200u, k);
  }
  auto r = f.req(verb::get, keys + "/user%3A42");
  BOOST_TEST(r.result_int() == 200u);
  BOOST_TEST(r.body() == "v-user%3A42");
  // A 255-byte key is fine, 256 bytes is 400 with the limit.
  BOOST_TEST(f.req(verb::put, keys + "/" + std::string(255, 'k'), "v").result_int() == 200u);
  r = f.req(verb::put, keys + "/" + std::string(256, 'k'), "v");
  BOOST_TEST(r.result_int() == 400u);
  check_error_body(r, -1003);
  BOOST_TEST(json_of(r).at("error").at("message").as_string().find("1 to 255 bytes") != std::string::npos, r.body());
  // Listing: byte order, keys percent-encoded as in paths, pages joined by "next".
  r = f.req(verb::get, keys + "?prefix=user%3A");
  BOOST_TEST(r.result_int() == 200u);
  auto body = json_of(r);
  BOOST_TEST(body.at("keys").as_array().size() == 2u);
  BOOST_TEST(body.at("keys").at(0).as_string() == "user%3A42");
  BOOST_TEST(body.at("keys").at(1).as_string() == "user%3A7");
  BOOST_TEST(body.at("next").is_null());
  std::vector<std::string> seen;
  std::string after;
  for (int page = 0; page < 10; ++page) {
    r = f.req(verb::get, keys + "?limit=2" + (after.empty() ? "" : "&after=" + after));
    BOOST_TEST_REQUIRE(r.result_int() == 200u);
    body = json_of(r);
    for (auto& k : body.at("keys").as_array()) seen.emplace_back(k.as_string());
    if (body.at("next").is_null()) break;
    after = std::string(body.at("next").as_string());
  }
  const std::vector<std::string> expected{"a%2Fb", std::string(255, 'k'), "nul%00byte", "sp%20ace",
                                          "user%3A42", "user%3A7", "%FF"};
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
  BOOST_TEST(f.req(verb::get, keys + "?limit=0").result_int() == 400u);
  BOOST_TEST(f.req(verb::get, keys + "?limit=1001").result_int() == 400u);
  BOOST_TEST(f.req(verb::get, inst_a + "/databases/nope/keys").result_int() == 404u);
  BOOST_TEST(f.req(verb::post, keys).result_int() == 405u);
}

BOOST_AUTO_TEST_CASE(put_with_durable_false_is_a_lazy_commit) {
  routes_fixture f;
  BOOST_TEST(f.req(verb::post, "/v1/instances", R"({"name":"a"})").result_int() == 201u);
  BOOST_TEST(f.req(verb::post, inst_a + "/databases", R"({"name":"d"})").result_int() == 201u);
  const std::string key = inst_a + "/databases/d/keys/k";
  BOOST_TEST(f.req(verb::put, key + "?durable=false", "lazy").result_int() == 200u);
  BOOST_TEST(f.req(verb::get, key).body() == "lazy");
  BOOST_TEST(f.req(verb::put, key + "?durable=true", "durable").result_int() == 200u);
  BOOST_TEST(f.req(verb::get, key).body() == "durable");
  auto r = f.req(verb::put, key + "?durable=maybe", "x");
  BOOST_TEST(r.result_int() == 400u);
  check_error_body(r, -1003);
}

BOOST_AUTO_TEST_CASE(metrics_open_leaves_only_metrics_and_healthz_open) {
  net::server_options o;
  o.token = "s3cret";
  o.metrics_open = true;
  routes_fixture f(o);
  BOOST_TEST(f.req(verb::get, "/metrics").result_int() == 200u);
  BOOST_TEST(f.req(verb::get, "/healthz").result_int() == 200u);
  BOOST_TEST(f.req(verb::get, "/v1/instances").result_int() == 401u);
}

BOOST_AUTO_TEST_CASE(end_with_a_bad_mode_and_no_backup_is_520) {
  routes_fixture f;
  BOOST_TEST(f.req(verb::post, "/v1/instances", R"({"name":"a"})").result_int() == 201u);
  auto r = f.req(verb::delete_, inst_a + "/backup?mode=bogus");
  BOOST_TEST(r.result_int() == 409u);
  check_error_body(r, -520);
  BOOST_TEST(f.req(verb::post, inst_a + "/backup", R"({"incremental":false})").result_int() == 201u);
  r = f.req(verb::delete_, inst_a + "/backup?mode=bogus");
  BOOST_TEST(r.result_int() == 400u);
  check_error_body(r, -1003);
  BOOST_TEST(f.req(verb::delete_, inst_a + "/backup?mode=abort").result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(metrics_show_engine_figures_and_the_last_completed_backup) {
  routes_fixture f;
  BOOST_TEST(f.req(verb::post, "/v1/instances", R"({"name":"a"})").result_int() == 201u);
  BOOST_TEST(f.req(verb::post, inst_a + "/backup", R"({"incremental":false})").result_int() == 201u);
  BOOST_TEST(f.req(verb::post, inst_a + "/backup/log-info").result_int() == 200u);
  auto r = f.req(verb::delete_, inst_a + "/backup?mode=normal");
  BOOST_TEST(json_of(r).at("result").as_string() == "completed");  // no database: nothing to copy
  BOOST_TEST(f.req(verb::post, inst_a + "/databases", R"({"name":"d"})").result_int() == 201u);
  BOOST_TEST(f.req(verb::put, inst_a + "/databases/d/keys/k", "v").result_int() == 200u);
  auto text = f.req(verb::get, "/metrics").body();
  BOOST_TEST(text.find("jetstrand_backup_last_completed_timestamp_seconds{instance=\"a\"} ") != std::string::npos);
  BOOST_TEST(text.find("jetstrand_commits_total{instance=\"a\"} 1") != std::string::npos);
  BOOST_TEST(text.find("jetstrand_log_flushes_total{instance=\"a\"} ") != std::string::npos);
  BOOST_TEST(text.find("jetstrand_cache_reads_total{instance=\"a\",how=\"os_cache\"} ") != std::string::npos);
  BOOST_TEST(text.find("jetstrand_cache_reads_total{instance=\"a\",how=\"waited\"} ") != std::string::npos);
  BOOST_TEST(text.find("jetstrand_spilled_pages_total{instance=\"a\"} 0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(wrong_methods_are_405_with_allow) {
  routes_fixture f;
  auto r = f.req(verb::patch, "/v1/instances");
  BOOST_TEST(r.result_int() == 405u);
  BOOST_TEST(r[http::field::allow] == "GET, POST");
  check_error_body(r, -1003);
  r = f.req(verb::get, "/v1/instances/a/backup/log-info");
  BOOST_TEST(r.result_int() == 405u);
  BOOST_TEST(r[http::field::allow] == "POST");
  r = f.req(verb::get, "/v1/instances/a/backup/files");
  BOOST_TEST(r.result_int() == 404u);
}

BOOST_AUTO_TEST_CASE(metrics_count_requests_and_backups) {
  routes_fixture f;
  BOOST_TEST_REQUIRE(f.req(verb::post, "/v1/instances", R"({"name":"a"})").result_int() == 201u);
  BOOST_TEST_REQUIRE(f.req(verb::post, inst_a + "/backup").result_int() == 201u);
  BOOST_TEST_REQUIRE(f.req(verb::delete_, inst_a + "/backup?mode=abort").result_int() == 200u);
  f.req(verb::get, "/nope");
  auto r = f.req(verb::get, "/metrics");
  BOOST_TEST(r.result_int() == 200u);
  BOOST_TEST(r[http::field::content_type].starts_with("text/plain"));
  const auto& m = r.body();
  BOOST_TEST(m.find("jetstrand_http_requests_total{route=\"/v1/instances\",status=\"201\"} 1") != std::string::npos, m);
  BOOST_TEST(m.find("jetstrand_http_requests_total{route=\"unknown\",status=\"404\"} 1") != std::string::npos);
  BOOST_TEST(m.find("jetstrand_backups_total{result=\"aborted\"} 1") != std::string::npos);
  BOOST_TEST(m.find("jetstrand_http_connections_open 1") != std::string::npos);
  BOOST_TEST(m.find("# TYPE jetstrand_backup_stop_to_abort_seconds histogram") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
