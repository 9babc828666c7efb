// Black-box: a repository of backup sets: `backup --repo` (full and incremental, and one cut
// off), `list` (table and JSON), `restore --repo` (the newest chain), `prune --keep`.
#include "cli/cli_support.hpp"
#include "support/cutting_proxy.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

using namespace jetstrand::test;
namespace http = boost::beast::http;
namespace fs = std::filesystem;

namespace {

const std::string keys = "/v1/instances/default/databases/default/keys/";

void put_keys(unsigned short port, int from, int to) {
  http_client c(port);
  for (int i = from; i < to; ++i) {
    BOOST_TEST_REQUIRE(c.request(http::verb::put, keys + "k" + std::to_string(i), "v" + std::to_string(i)).result_int() ==
                       200u);
  }
}

boost::json::array list_json(const fs::path& repo) {
  std::string out, err;
  BOOST_TEST_REQUIRE(run_jetstrand({"list", repo.string(), "--json"}, &out, &err) == 0, err);
  return boost::json::parse(out).at("sets").as_array();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_repository)

BOOST_AUTO_TEST_CASE(backup_list_restore_and_prune_a_repository) {
  temp_dir dir;
  const auto repo = dir / "repo";
  std::string out, err;
  {
    served s(dir / "data");
    {
      http_client c(s.port);  // about 2 MiB, so that the cut below lands mid-file
      for (int i = 0; i < 8; ++i) c.request(http::verb::put, keys + "big" + std::to_string(i), std::string(256 << 10, 'b'));
    }
    auto backup = [&](int from, bool incremental) {
      put_keys(s.port, from, from + 10);
      std::vector<std::string> a{"backup", "--url", s.url, "--repo", repo.string()};
      if (incremental) a.push_back("--incremental");
      BOOST_TEST_REQUIRE(run_jetstrand(a, &out, &err) == 0, err);
      BOOST_TEST(out.find("backup completed: " + repo.string() + "/") != std::string::npos, out);
    };
    backup(0, false);
    backup(10, true);
    backup(20, false);
    backup(30, true);
    put_keys(s.port, 40, 50);  // after the last complete backup: not in any restore below
    // A backup cut off by the network with no retries: an incomplete set.
    cutting_proxy proxy(s.port, 1 << 20, 1);
    BOOST_TEST(run_jetstrand({"backup", "--url", "http://127.0.0.1:" + std::to_string(proxy.port()), "--repo",
                              repo.string(), "--retries", "0"}, &out, &err) == 1);
  }

  auto sets = list_json(repo);
  BOOST_TEST_REQUIRE(sets.size() == 5u);
  const char* kinds[] = {"full", "incremental", "full", "incremental", "full"};
  for (std::size_t i = 0; i < 5; ++i) {
    const auto& s = sets[i].as_object();
    BOOST_TEST(s.at("kind").as_string() == kinds[i]);
    BOOST_TEST(s.at("instance").as_string() == "default");
    BOOST_TEST(s.at("complete").as_bool() == (i < 4));
    BOOST_TEST(s.at("size").to_number<std::uint64_t>() > 0u);
    BOOST_TEST(std::string(s.at("name").as_string()).find(i % 2 ? "-incr" : "-full") != std::string::npos);
    if (i > 0) BOOST_TEST(s.at("time").as_string() >= sets[i - 1].at("time").as_string());
  }
  // Each incremental's logs start where its full's ended.
  BOOST_TEST(sets[1].at("log_low").as_int64() <= sets[0].at("log_high").as_int64());
  BOOST_TEST(sets[3].at("log_low").as_int64() <= sets[2].at("log_high").as_int64());
  BOOST_TEST(run_jetstrand({"list", repo.string()}, &out, &err) == 0, err);
  BOOST_TEST(out.find("COMPLETE") != std::string::npos, out);
  BOOST_TEST(out.find(" NO") != std::string::npos, out);

  // The newest chain: the second full and its incremental (k0..k39), not the cut-off set.
  auto restored_holds = [&](const fs::path& data, int through) {
    served s(data);
    http_client c(s.port);
    BOOST_TEST(c.request(http::verb::get, keys + "k" + std::to_string(through)).result_int() == 200u);
    BOOST_TEST(c.request(http::verb::get, keys + "k" + std::to_string(through + 1)).result_int() == 404u);
  };
  BOOST_TEST_REQUIRE(run_jetstrand({"restore", "--repo", repo.string(), "--data", (dir / "r1").string()}, &out, &err) ==
                         0, err);
  BOOST_TEST(out.find("restoring " + std::string(sets[2].at("name").as_string()) + " and 1 incremental") !=
             std::string::npos, out);
  restored_holds(dir / "r1", 39);
  // verify --repo checks that same chain; a repository given as a set gets the command to type.
  BOOST_TEST(run_jetstrand({"verify", "--repo", repo.string()}, &out, &err) == 0, err);
  BOOST_TEST(out.find("verifying " + std::string(sets[2].at("name").as_string()) + " and 1 incremental") !=
             std::string::npos, out);
  BOOST_TEST(out.find("ok: 2 sets") != std::string::npos, out);
  BOOST_TEST(run_jetstrand({"verify", repo.string()}, &out, &err) == 1);
  BOOST_TEST(err.find("is a repository of 5 backup sets, not a set: for its newest chain, `jetstrand verify --repo " +
                      repo.string() + "`") != std::string::npos, err);
  BOOST_TEST(run_jetstrand({"restore", "--from", repo.string(), "--data", (dir / "r0").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("for its newest chain, `jetstrand restore --repo " + repo.string() + " --data " +
                      (dir / "r0").string() + "`") != std::string::npos, err);
  BOOST_TEST(!fs::exists(dir / "r0" / "default"));

  // Keep one chain: the first full and its incremental go; the newer cut-off set stays.
  BOOST_TEST(run_jetstrand({"prune", repo.string(), "--keep", "1", "--dry-run"}, &out, &err) == 0, err);
  BOOST_TEST(list_json(repo).size() == 5u);
  BOOST_TEST(run_jetstrand({"prune", repo.string(), "--keep", "1"}, &out, &err) == 0, err);
  BOOST_TEST(out.find("deleted " + std::string(sets[0].at("name").as_string())) != std::string::npos, out);
  auto left = list_json(repo);
  BOOST_TEST_REQUIRE(left.size() == 3u);
  BOOST_TEST(left[0].at("name") == sets[2].at("name"));
  BOOST_TEST(run_jetstrand({"prune", repo.string(), "--keep", "1"}, &out, &err) == 0, err);
  BOOST_TEST(out.find("nothing to delete") != std::string::npos, out);
  BOOST_TEST_REQUIRE(run_jetstrand({"restore", "--repo", repo.string(), "--data", (dir / "r2").string()}, &out, &err) ==
                         0, err);
  restored_holds(dir / "r2", 39);

  // A damaged byte in the newest chain's full set: verify --repo finds it, naming the file.
  const auto db_file = repo / std::string(sets[2].at("name").as_string()) / "databases" / "default.jdb";
  BOOST_TEST_REQUIRE(fs::exists(db_file), db_file);
  {
    std::fstream f(db_file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3 * 8192 + 100);
    f.put('\x5a');
  }
  BOOST_TEST(run_jetstrand({"verify", "--repo", repo.string()}, &out, &err) == 1);
  BOOST_TEST(err.find("default.jdb") != std::string::npos, err);
}

BOOST_AUTO_TEST_CASE(repository_commands_explain_bad_input) {
  temp_dir dir;
  std::string out, err;
  BOOST_TEST(run_jetstrand({"restore", "--repo", (dir / "empty").string(), "--data", (dir / "r").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("holds no backup sets (it does not exist)") != std::string::npos, err);
  // A repository that is not there yet lists as empty (backup --repo makes it), and says so,
  // so that a mistyped path reads as one; an empty folder is just empty.
  BOOST_TEST(run_jetstrand({"list", (dir / "nothing-here").string()}, &out, &err) == 0, err);
  BOOST_TEST(out.find("no backup sets in " + (dir / "nothing-here").string() + " (it does not exist)") != std::string::npos, out);
  BOOST_TEST(run_jetstrand({"prune", (dir / "nothing-here").string(), "--keep", "1"}, &out, &err) == 0, err);
  BOOST_TEST(out.find("(it does not exist)") != std::string::npos, out);
  fs::create_directory(dir / "empty-repo");
  BOOST_TEST(run_jetstrand({"list", (dir / "empty-repo").string()}, &out, &err) == 0, err);
  BOOST_TEST(out.find("no backup sets") != std::string::npos, out);
  BOOST_TEST(out.find("does not exist") == std::string::npos, out);
  std::ofstream(dir / "a-file") << "x";
  BOOST_TEST(run_jetstrand({"list", (dir / "a-file").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("not a folder") != std::string::npos, err);
  BOOST_TEST(run_jetstrand({"prune", dir.path().string()}, &out, &err) == 2);
  BOOST_TEST(err.find("--keep N is required") != std::string::npos, err);
  BOOST_TEST(run_jetstrand({"prune", dir.path().string(), "--keep", "0"}, &out, &err) == 2);
  BOOST_TEST(run_jetstrand({"list"}, &out, &err) == 2);
  BOOST_TEST(run_jetstrand({"backup", "--out", (dir / "x").string(), "--repo", (dir / "y").string()}, &out, &err) == 2);
  BOOST_TEST(err.find("one of --out DIR or --repo LOCATION") != std::string::npos, err);
  BOOST_TEST(run_jetstrand({"restore", "--data", (dir / "r").string()}, &out, &err) == 2);
  BOOST_TEST(run_jetstrand({"verify", "--repo", (dir / "empty").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("holds no backup sets (it does not exist)") != std::string::npos, err);
  BOOST_TEST(run_jetstrand({"verify", (dir / "x").string(), "--repo", (dir / "y").string()}, &out, &err) == 2);
  BOOST_TEST(err.find("not both") != std::string::npos, err);
  BOOST_TEST(run_jetstrand({"verify", "--instance", "default", (dir / "x").string()}, &out, &err) == 2);
  BOOST_TEST(run_jetstrand({"verify"}, &out, &err) == 2);
}

BOOST_AUTO_TEST_SUITE_END()
