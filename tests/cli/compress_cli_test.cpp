// Black-box: `jetstrand backup --compress zstd`: every file stored as <name>.zst and recorded
// in the manifest; verify and restore read compressed sets (and a chain mixing compressed
// and plain sets); damage in compressed data is refused.
#include "cli/cli_support.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace jetstrand::test;
namespace http = boost::beast::http;
namespace fs = std::filesystem;

namespace {

const std::string keys = "/v1/instances/default/databases/default/keys/";

void put_keys(unsigned short port, int from, int to) {
  http_client c(port);
  for (int i = from; i < to; ++i) {
    // Compressible values, as most databases hold.
    BOOST_TEST_REQUIRE(c.request(http::verb::put, keys + "k" + std::to_string(i), std::string(3000, 'a' + i % 3))
                           .result_int() == 200u);
  }
}

boost::json::value manifest_of(const fs::path& set) {
  std::ifstream in(set / "manifest.json");
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_compress)

BOOST_AUTO_TEST_CASE(compressed_sets_verify_restore_and_refuse_damage) {
  temp_dir dir;
  std::string out, err;
  {
    served s(dir / "data");
    put_keys(s.port, 0, 300);
    BOOST_TEST_REQUIRE(run_jetstrand({"backup", "--url", s.url, "--out", (dir / "full").string(), "--compress", "zstd"},
                                     &out, &err) == 0, err);
    BOOST_TEST(out.find("(zstd)") != std::string::npos, out);
    put_keys(s.port, 300, 400);
    // A plain incremental after a compressed full: a chain may mix them.
    BOOST_TEST_REQUIRE(run_jetstrand({"backup", "--url", s.url, "--out", (dir / "incr").string(), "--incremental"},
                                     &out, &err) == 0, err);
    BOOST_TEST(run_jetstrand({"backup", "--url", s.url, "--out", (dir / "x").string(), "--compress", "lz4"}, &out, &err) == 2);
    BOOST_TEST(err.find("zstd") != std::string::npos, err);
  }
  BOOST_TEST(fs::exists(dir / "full" / "databases" / "default.jdb.zst"));
  BOOST_TEST(!fs::exists(dir / "full" / "databases" / "default.jdb"));
  // (Kept in variables: a range-for over a temporary's member dangles.)
  const auto full = manifest_of(dir / "full"), incr = manifest_of(dir / "incr");
  for (const auto& f : full.at("files").as_array()) {
    BOOST_TEST(f.at("compression").as_string() == "zstd");
    BOOST_TEST(f.at("stored_size").to_number<std::uint64_t>() < f.at("size").to_number<std::uint64_t>());
  }
  for (const auto& f : incr.at("files").as_array()) BOOST_TEST(!f.as_object().contains("compression"));

  BOOST_TEST(run_jetstrand({"verify", (dir / "full").string(), (dir / "incr").string()}, &out, &err) == 0, err);
  BOOST_TEST_REQUIRE(run_jetstrand({"restore", "--from", (dir / "full").string(), "--from", (dir / "incr").string(),
                                    "--data", (dir / "restored").string()}, &out, &err) == 0, err);
  {
    served s(dir / "restored");
    http_client c(s.port);
    auto v = c.request(http::verb::get, keys + "k399");
    BOOST_TEST(v.result_int() == 200u);
    BOOST_TEST(v.body() == std::string(3000, 'a' + 399 % 3));
  }

  // A byte changed inside the compressed database: refused, by its stored name.
  const auto db = dir / "full" / "databases" / "default.jdb.zst";
  {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(db) / 2));
    f.put('\x5a');
  }
  BOOST_TEST(run_jetstrand({"verify", (dir / "full").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("-1018") != std::string::npos, err);
  BOOST_TEST(run_jetstrand({"restore", "--from", (dir / "full").string(), "--data", (dir / "r2").string()}, &out, &err) == 1);
  BOOST_TEST(!fs::exists(dir / "r2" / "default"));

  // A compressed log cut short: refused too.
  for (const auto& e : fs::directory_iterator(dir / "full" / "logs")) {
    fs::resize_file(e.path(), fs::file_size(e.path()) / 2);
  }
  fs::remove(db);
  BOOST_TEST(run_jetstrand({"verify", (dir / "full").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("missing") != std::string::npos, err);
}

BOOST_AUTO_TEST_SUITE_END()
