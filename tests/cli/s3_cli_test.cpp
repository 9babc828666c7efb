// Black-box: backups to an S3-compatible store (s3rver on 127.0.0.1): full and incremental
// with --repo s3://, list, verify, restore; a backup cut off by Ctrl-C and one stopped on
// the server are incomplete, refused, and their multipart uploads aborted; prune.
#include "cli/cli_support.hpp"
#include "support/cutting_proxy.hpp"
#include "support/http_client.hpp"
#include "support/s3_server.hpp"
#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <thread>

using namespace jetstrand::test;
namespace http = boost::beast::http;
namespace fs = std::filesystem;

namespace {

const std::string keys = "/v1/instances/default/databases/default/keys/";

// Keys k<from>..k<to-1>, small; and `megabytes` values of 1 MiB (big<i>).
void put(unsigned short port, int from, int to, int megabytes = 0) {
  http_client c(port);
  for (int i = 0; i < megabytes; ++i) {
    BOOST_TEST_REQUIRE(c.request(http::verb::put, keys + "big" + std::to_string(i), std::string(1 << 20, 'a' + i % 26))
                           .result_int() == 200u);
  }
  for (int i = from; i < to; ++i) {
    BOOST_TEST_REQUIRE(c.request(http::verb::put, keys + "k" + std::to_string(i), "v" + std::to_string(i)).result_int() ==
                       200u);
  }
}

boost::json::array list_json(const std::string& repo) {
  std::string out, err;
  BOOST_TEST_REQUIRE(run_jetstrand({"list", repo, "--json"}, &out, &err) == 0, err);
  return boost::json::parse(out).at("sets").as_array();
}

// Through a relay that records the requests it passes on to the store.
std::unique_ptr<cutting_proxy> relay_to(const s3_server& store) {
  auto relay = std::make_unique<cutting_proxy>(
      static_cast<unsigned short>(std::stoi(store.endpoint.substr(store.endpoint.rfind(':') + 1))), ~std::uint64_t{0}, 0);
  ::setenv("AWS_ENDPOINT_URL", ("http://127.0.0.1:" + std::to_string(relay->port())).c_str(), 1);
  ::setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
  return relay;
}

// The objects whose multipart uploads were begun (POST …?uploads) among the requests from `since`.
std::vector<std::string> multipart_objects(cutting_proxy& relay, std::size_t since) {
  std::vector<std::string> objects;
  const auto seen = relay.requests_seen();
  for (std::size_t j = since; j < seen.size(); ++j) {
    const auto& r = seen[j];
    if (r.starts_with("POST /") && r.find("?uploads") != std::string::npos) {
      objects.push_back(r.substr(5, r.find("?uploads") - 5));
    }
  }
  return objects;
}

void restored_holds(const fs::path& data, int through) {
  served s(data);
  http_client c(s.port);
  BOOST_TEST(c.request(http::verb::get, keys + "k" + std::to_string(through)).result_int() == 200u);
  BOOST_TEST(c.request(http::verb::get, keys + "k" + std::to_string(through + 1)).result_int() == 404u);
  BOOST_TEST(c.request(http::verb::get, keys + "big0").body().size() == 1u << 20);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_s3)

BOOST_AUTO_TEST_CASE(full_and_incremental_to_s3_then_list_verify_restore_and_prune) {
  temp_dir dir;
  s3_server store;
  auto relay = relay_to(store);
  const std::string repo = "s3://backups/prod/db";
  std::string out, err;
  {
    served s(dir / "data");
    // A database over 12 MiB: at a threshold of 8M a multipart upload, and the only one (the
    // logs are smaller).
    put(s.port, 0, 10, 12);
    BOOST_TEST_REQUIRE(run_jetstrand({"backup", "--url", s.url, "--repo", repo, "--multipart-threshold", "8M"}, &out,
                                     &err) == 0,
                       err);
    BOOST_TEST(out.find("backup completed: " + repo + "/") != std::string::npos, out);
    const auto multipart = multipart_objects(*relay, 0);
    BOOST_TEST_REQUIRE(multipart.size() == 1u);
    BOOST_TEST(multipart[0].ends_with("/databases/default.jdb"), multipart[0]);
    // At the default threshold (64M) every file of this size is one PUT.
    const auto before = relay->requests_seen().size();
    put(s.port, 10, 20);
    BOOST_TEST_REQUIRE(run_jetstrand({"backup", "--url", s.url, "--repo", repo, "--incremental"}, &out, &err) == 0, err);
    BOOST_TEST(multipart_objects(*relay, before).empty());
    put(s.port, 20, 30);  // after the last backup
  }
  auto sets = list_json(repo);
  BOOST_TEST_REQUIRE(sets.size() == 2u);
  BOOST_TEST(sets[0].at("kind").as_string() == "full");
  BOOST_TEST(sets[1].at("kind").as_string() == "incremental");
  for (const auto& s : sets) {
    BOOST_TEST(s.at("complete").as_bool());
    BOOST_TEST(s.at("instance").as_string() == "default");
  }
  BOOST_TEST(sets[0].at("size").to_number<std::uint64_t>() > 12u << 20);
  BOOST_TEST(store.open_uploads() == 0u);  // every multipart upload was completed

  const std::string full = repo + "/" + std::string(sets[0].at("name").as_string());
  const std::string incr = repo + "/" + std::string(sets[1].at("name").as_string());
  BOOST_TEST(run_jetstrand({"verify", full, incr}, &out, &err) == 0, err);
  BOOST_TEST(run_jetstrand({"verify", "--repo", repo}, &out, &err) == 0, err);
  BOOST_TEST(out.find("verifying " + std::string(sets[0].at("name").as_string()) + " and 1 incremental") !=
             std::string::npos, out);
  BOOST_TEST(out.find("ok: 2 sets") != std::string::npos, out);
  BOOST_TEST_REQUIRE(run_jetstrand({"restore", "--repo", repo, "--data", (dir / "r1").string()}, &out, &err) == 0, err);
  restored_holds(dir / "r1", 19);
  BOOST_TEST_REQUIRE(run_jetstrand({"restore", "--from", full, "--data", (dir / "r2").string()}, &out, &err) == 0, err);
  restored_holds(dir / "r2", 9);

  // Another full chain, then keep one: the first chain goes.
  {
    served s(dir / "data");
    BOOST_TEST_REQUIRE(run_jetstrand({"backup", "--url", s.url, "--repo", repo}, &out, &err) == 0, err);
  }
  BOOST_TEST(run_jetstrand({"prune", repo, "--keep", "1"}, &out, &err) == 0, err);
  auto left = list_json(repo);
  BOOST_TEST_REQUIRE(left.size() == 1u);
  BOOST_TEST(left[0].at("kind").as_string() == "full");
  BOOST_TEST(run_jetstrand({"verify", full}, &out, &err) == 1);  // deleted
  BOOST_TEST_REQUIRE(run_jetstrand({"restore", "--repo", repo, "--data", (dir / "r3").string()}, &out, &err) == 0, err);
  restored_holds(dir / "r3", 29);
}

// Ctrl-C, then a stop on the server, each while a multipart upload runs (the server paces
// the backup with --max-rate so that there is time): the set is listed incomplete, verify
// and restore refuse it, and the client aborted its multipart upload.
BOOST_AUTO_TEST_CASE(an_upload_cut_off_by_ctrl_c_or_a_server_stop_is_incomplete_and_its_upload_aborted) {
  temp_dir dir;
  s3_server store;
  served s(dir / "data");
  put(s.port, 0, 10, 24);
  // Through a relay that records the requests (to see the AbortMultipartUpload).
  auto relay_owner = relay_to(store);
  auto& relay = *relay_owner;
  const std::string repo = "s3://backups/cut";

  // A first part of a multipart upload among the requests made after the first `since`.
  auto wait_for_a_part = [&](std::size_t since) {
    for (int i = 0; i < 2000; ++i) {
      const auto seen = relay.requests_seen();
      for (std::size_t j = since; j < seen.size(); ++j) {
        if (seen[j].starts_with("PUT /") && seen[j].find("partNumber=1&uploadId=") != std::string::npos) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  };
  auto aborts = [&] {
    std::size_t n = 0;
    for (const auto& r : relay.requests_seen()) n += r.starts_with("DELETE /") && r.find("?uploadId=") != std::string::npos;
    return n;
  };

  {
    child_process p({jetstrand_binary, "backup", "--url", s.url, "--repo", repo, "--max-rate", "8M",
                      "--multipart-threshold", "8M"});
    BOOST_TEST_REQUIRE(wait_for_a_part(0), p.err());
    p.signal(SIGINT);
    BOOST_TEST(p.wait() == 130, p.err());
    BOOST_TEST(p.err().find("INCOMPLETE") != std::string::npos, p.err());
  }
  BOOST_TEST(aborts() == 1u);
  {
    const auto before = relay.requests_seen().size();
    child_process p({jetstrand_binary, "backup", "--url", s.url, "--repo", repo, "--max-rate", "8M",
                      "--multipart-threshold", "8M"});
    BOOST_TEST_REQUIRE(wait_for_a_part(before), p.err());
    http_client c(s.port);
    BOOST_TEST(c.request(http::verb::post, "/v1/instances/default/backup/stop").result_int() == 200u);
    BOOST_TEST(p.wait() == 1, p.err());
    BOOST_TEST(p.err().find("-801") != std::string::npos, p.err());
  }
  BOOST_TEST(aborts() == 2u);

  auto sets = list_json(repo);
  BOOST_TEST_REQUIRE(sets.size() == 2u);
  std::string out, err;
  for (const auto& set : sets) {
    BOOST_TEST(!set.at("complete").as_bool());
    BOOST_TEST(set.at("instance").as_string() == "default");
    BOOST_TEST(run_jetstrand({"verify", repo + "/" + std::string(set.at("name").as_string())}, &out, &err) == 1);
    BOOST_TEST(err.find("INCOMPLETE") != std::string::npos, err);
  }
  BOOST_TEST(run_jetstrand({"restore", "--repo", repo, "--data", (dir / "r").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("no complete full backup") != std::string::npos, err);
}

// verify and restore read a set from S3 through a network that cuts the first three
// connections after 2 MiB each: every cut GET goes on from its first missing byte (Range),
// nothing is read twice into the copy, and the set checks out.
BOOST_AUTO_TEST_CASE(a_get_cut_mid_object_is_resumed_where_it_stopped) {
  temp_dir dir;
  s3_server store;
  store.export_environment();
  const std::string set = "s3://backups/resumed";
  std::string out, err;
  {
    served s(dir / "data");
    put(s.port, 0, 10, 12);
    BOOST_TEST_REQUIRE(run_jetstrand({"backup", "--url", s.url, "--out", set}, &out, &err) == 0, err);
  }
  cutting_proxy relay(static_cast<unsigned short>(std::stoi(store.endpoint.substr(store.endpoint.rfind(':') + 1))),
                      2u << 20, 3);
  ::setenv("AWS_ENDPOINT_URL", ("http://127.0.0.1:" + std::to_string(relay.port())).c_str(), 1);
  BOOST_TEST(run_jetstrand({"verify", set}, &out, &err) == 0, err);
  BOOST_TEST(relay.cuts_made() == 3);
  const auto ranges = relay.ranges_seen();
  BOOST_TEST_REQUIRE(ranges.size() == 3u);
  std::uint64_t last = 0;
  for (const auto& r : ranges) {  // "bytes=N-", each further on than the one before
    BOOST_TEST_REQUIRE(r.starts_with("bytes="), r);
    const auto from = std::stoull(r.substr(6));
    BOOST_TEST(from > last, r);
    last = from;
  }
  BOOST_TEST_REQUIRE(run_jetstrand({"restore", "--from", set, "--data", (dir / "r").string()}, &out, &err) == 0, err);
  restored_holds(dir / "r", 9);
}

BOOST_AUTO_TEST_CASE(s3_locations_and_credentials_are_checked_before_anything_happens) {
  temp_dir dir;
  std::string out, err;
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  BOOST_TEST(run_jetstrand({"list", "s3://backups/x"}, &out, &err) == 1);
  BOOST_TEST(err.find("AWS_ACCESS_KEY_ID") != std::string::npos, err);
  BOOST_TEST(run_jetstrand({"list", "s3://B"}, &out, &err) == 2);
  BOOST_TEST(err.find("s3://BUCKET/PREFIX") != std::string::npos, err);
  s3_server store;
  store.export_environment();
  BOOST_TEST(run_jetstrand({"list", "s3://no-such-bucket/x"}, &out, &err) == 1);
  BOOST_TEST(err.find("NoSuchBucket") != std::string::npos, err);
  BOOST_TEST(run_jetstrand({"verify", "s3://backups/nothing"}, &out, &err) == 1);
  BOOST_TEST(err.find("no backup set") != std::string::npos, err);
}

BOOST_AUTO_TEST_SUITE_END()
