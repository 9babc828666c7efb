// Black-box: `jetstrand backup` through a relay that cuts connections mid-download. A cut
// download is resumed with Range where it stopped, and the set verifies; with no retries
// left the set is left INCOMPLETE and the backup is ended on the server.
#include "cli/cli_support.hpp"
#include "support/cutting_proxy.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>

using namespace jetstrand::test;
namespace http = boost::beast::http;
namespace fs = std::filesystem;

namespace {

const std::string keys = "/v1/instances/default/databases/default/keys/";

// About 3 MiB in the default database.
void fill(unsigned short port) {
  http_client c(port);
  for (int i = 0; i < 12; ++i) {
    BOOST_TEST_REQUIRE(c.request(http::verb::put, keys + "v" + std::to_string(i), std::string(256 << 10, 'a' + i))
                           .result_int() == 200u);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_resume)

BOOST_AUTO_TEST_CASE(a_download_cut_by_the_network_resumes_where_it_stopped) {
  temp_dir dir;
  served s(dir / "data");
  fill(s.port);
  cutting_proxy proxy(s.port, 1 << 20, 2);  // two connections cut after 1 MiB each
  const std::string url = "http://127.0.0.1:" + std::to_string(proxy.port());
  std::string out, err;
  BOOST_TEST_REQUIRE(run_jetstrand({"backup", "--url", url, "--out", (dir / "set").string()}, &out, &err) == 0, err);
  BOOST_TEST(proxy.cuts_made() == 2);
  // Each resume asked for the rest of the file from the first byte not received.
  const auto ranges = proxy.ranges_seen();
  BOOST_TEST_REQUIRE(ranges.size() == 2u);
  std::uint64_t last = 1;
  for (const auto& r : ranges) {
    BOOST_TEST_REQUIRE(r.starts_with("bytes="));
    const auto from = std::stoull(r.substr(6));
    BOOST_TEST(from > last, r << " after " << last << "; " << err);
    BOOST_TEST(err.find("resuming default.jdb from byte " + std::to_string(from) + " ") != std::string::npos, err);
    last = from;
  }
  BOOST_TEST(fs::file_size(dir / "set" / "databases" / "default.jdb") > last);
  // Every page checks and the manifest's CRC32C (of the bytes as they arrived) matches.
  BOOST_TEST(run_jetstrand({"verify", (dir / "set").string()}, &out, &err) == 0, err);
  BOOST_TEST(run_jetstrand({"restore", "--from", (dir / "set").string(), "--data", (dir / "restored").string()},
                           &out, &err) == 0, err);
}

BOOST_AUTO_TEST_CASE(with_no_retries_left_the_set_is_incomplete_and_the_backup_ended) {
  temp_dir dir;
  served s(dir / "data");
  fill(s.port);
  cutting_proxy proxy(s.port, 1 << 20, 3);
  const std::string url = "http://127.0.0.1:" + std::to_string(proxy.port());
  std::string out, err;
  BOOST_TEST(run_jetstrand({"backup", "--url", url, "--out", (dir / "set").string(), "--retries", "1"}, &out, &err) == 1);
  BOOST_TEST(err.find("ended early") != std::string::npos, err);
  BOOST_TEST(fs::exists(dir / "set" / "INCOMPLETE"));
  BOOST_TEST(run_jetstrand({"backup", "--url", url, "--out", (dir / "x").string(), "--retries", "many"}, &out, &err) == 2);
  // The backup was ended on the server: a new one (directly) completes.
  BOOST_TEST(run_jetstrand({"backup", "--url", s.url, "--out", (dir / "direct").string()}, &out, &err) == 0, err);
}

BOOST_AUTO_TEST_SUITE_END()
