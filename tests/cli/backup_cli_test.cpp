// Black-box: `jetstrand backup`, `restore` and `verify` against a running `jetstrand serve`.
#include "cli/cli_support.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/pseudo_terminal.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

using jetstrand::test::child_process;
using jetstrand::test::http_client;
using jetstrand::test::json_of;
namespace http = boost::beast::http;
namespace fs = std::filesystem;

namespace {
const std::string binary = JETSTRAND_BINARY;
const std::string keys = "/v1/instances/default/databases/default/keys/";

using server = jetstrand::test::served;

int run(std::vector<std::string> args, std::string* out = nullptr, std::string* err = nullptr) {
  return jetstrand::test::run_jetstrand(std::move(args), out, err);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_backup)

// The issue's end-to-end case: a full backup while a writer PUTs numbered keys; the
// restored instance holds an unbroken prefix of them, at least every key acknowledged
// before the backup began.
BOOST_AUTO_TEST_CASE(backup_during_writes_then_restore_and_serve) {
  jetstrand::test::temp_dir dir;
  std::atomic<int> acked{0};
  std::atomic<bool> writing{true};
  int acked_before_backup = 0;
  {
    server s(dir / "data");
    std::thread writer([&] {
      http_client c(s.port);
      for (int i = 0; writing; ++i) {
        auto r = c.request(http::verb::put, keys + "n" + std::to_string(i), "value-" + std::to_string(i));
        if (r.result_int() != 200) break;
        acked = i + 1;
      }
    });
    while (acked < 300) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    acked_before_backup = acked;
    std::string out, err;
    int rc = run({"backup", "--url", s.url, "--out", (dir / "set").string()}, &out, &err);
    writing = false;
    writer.join();
    BOOST_TEST_REQUIRE(rc == 0, err);
    BOOST_TEST(out.find("backup completed") != std::string::npos, out);
    BOOST_TEST(err.find("copied default.jdb") != std::string::npos, err);  // plain progress lines off a terminal
    BOOST_TEST(fs::exists(dir / "set" / "manifest.json"));
    BOOST_TEST(!fs::exists(dir / "set" / "INCOMPLETE"));
  }
  std::string out, err;
  BOOST_TEST_REQUIRE(run({"verify", (dir / "set").string()}, &out, &err) == 0, err);
  BOOST_TEST(out.find("ok:") != std::string::npos);
  BOOST_TEST_REQUIRE(run({"restore", "--from", (dir / "set").string(), "--data", (dir / "restored").string()}, &out, &err) == 0, err);
  BOOST_TEST(out.find("restored instance 'default'") != std::string::npos, out);

  server r(dir / "restored");
  http_client c(r.port);
  int present = 0;
  while (c.request(http::verb::get, keys + "n" + std::to_string(present)).result_int() == 200) ++present;
  BOOST_TEST(present >= acked_before_backup);
  BOOST_TEST(present <= acked.load());
  for (int i = present; i < present + 20; ++i) {  // a prefix: nothing after the first gap
    BOOST_TEST(c.request(http::verb::get, keys + "n" + std::to_string(i)).result_int() == 404u, i);
  }
  auto v = c.request(http::verb::get, keys + "n0");
  BOOST_TEST(v.body() == "value-0");
  // Restoring on top of it is refused and changes nothing.
  BOOST_TEST(run({"restore", "--from", (dir / "set").string(), "--data", (dir / "restored").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("-1086") != std::string::npos, err);
}

// A backup the server refuses, or cannot be reached for, creates nothing at the target: a
// retry into the same place then just works.
BOOST_AUTO_TEST_CASE(a_refused_backup_creates_nothing_and_says_why) {
  jetstrand::test::temp_dir dir;
  const auto set = (dir / "set").string();
  std::string out, err;
  {
    // Nobody listens: connection refused, with a hint.
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address_v4("127.0.0.1"), 0});
    const auto port = a.local_endpoint().port();
    a.close();
    BOOST_TEST(run({"backup", "--url", "http://127.0.0.1:" + std::to_string(port), "--out", set}, &out, &err) == 1);
    BOOST_TEST(err.find("jetstrand serve") != std::string::npos, err);
    // The begin never left, so there is no backup to end on the server and no second error.
    BOOST_TEST(err.find("ending the backup") == std::string::npos, err);
    BOOST_TEST(!fs::exists(set));
  }
  server s(dir / "data");
  http_client c(s.port);
  // Another backup is open: begin fails with -505.
  BOOST_TEST_REQUIRE(c.request(http::verb::post, "/v1/instances/default/backup").result_int() == 201u);
  BOOST_TEST(run({"backup", "--url", s.url, "--out", set}, &out, &err) == 1);
  BOOST_TEST(err.find("-505") != std::string::npos, err);
  BOOST_TEST(!fs::exists(set));
  // The other backup was not touched by the failed one.
  BOOST_TEST(json_of(c.request(http::verb::get, "/v1/instances/default/backup")).at("state").as_string() == "databases");
  BOOST_TEST(c.request(http::verb::delete_, "/v1/instances/default/backup?mode=abort").result_int() == 200u);
  // An instance that is not there.
  BOOST_TEST(run({"backup", "--url", s.url, "--instance", "nope", "--out", set}, &out, &err) == 1);
  BOOST_TEST(err.find("404") != std::string::npos, err);
  BOOST_TEST(!fs::exists(set));
  // Now it works, into the same place.
  BOOST_TEST(run({"backup", "--url", s.url, "--out", set}, &out, &err) == 0, err);
  BOOST_TEST(out.find("1 file, ") != std::string::npos, out);  // one database, no logs: "1 file"
  BOOST_TEST(out.find("gen-") != std::string::npos, out);      // log range as file names
  // A directory with something in it is never used, and the server is not even asked.
  BOOST_TEST(run({"backup", "--url", s.url, "--out", set}, &out, &err) == 1);
  BOOST_TEST(err.find("not empty") != std::string::npos, err);
}

BOOST_AUTO_TEST_CASE(a_token_server_says_whether_the_token_is_missing_or_wrong) {
  jetstrand::test::temp_dir dir;
  child_process p({binary, "serve", "--listen", "127.0.0.1:0", "--data", (dir / "data").string(), "--token", "t0k"});
  auto m = p.wait_for_stdout(R"(serving http://127\.0\.0\.1:(\d+))");
  BOOST_TEST_REQUIRE(m.has_value(), p.err());
  const std::string url = "http://127.0.0.1:" + *m;
  std::string out, err;
  BOOST_TEST(run({"backup", "--url", url, "--out", (dir / "a").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("needs a token") != std::string::npos, err);
  BOOST_TEST(run({"backup", "--url", url, "--out", (dir / "a").string(), "--token", "bad"}, &out, &err) == 1);
  BOOST_TEST(err.find("not this server's") != std::string::npos, err);
  BOOST_TEST(!fs::exists(dir / "a"));
  BOOST_TEST(run({"backup", "--url", url, "--out", (dir / "a").string(), "--token", "t0k"}, &out, &err) == 0, err);
  p.signal(SIGTERM);
  BOOST_TEST(p.wait() == 0);
}

// A server that accepts the connection and never answers: each step gives up after
// --timeout, and Ctrl-C does not wait for it.
BOOST_AUTO_TEST_CASE(a_server_that_never_answers_times_out_and_ctrl_c_ends_the_wait) {
  jetstrand::test::temp_dir dir;
  boost::asio::io_context io;
  // The kernel completes the handshake from the backlog; nobody ever reads or answers.
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address_v4("127.0.0.1"), 0});
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  std::string out, err;
  BOOST_TEST(run({"backup", "--url", url, "--out", (dir / "a").string(), "--timeout", "0.5"}, &out, &err) == 1);
  BOOST_TEST(err.find("timed out") != std::string::npos, err);
  BOOST_TEST(!fs::exists(dir / "a"));
  // Default timeout (30 s): SIGINT ends it long before that, twice over.
  for (int i = 0; i < 2; ++i) {
    // A listener of its own, so that the connection accepted below is this child's (not
    // one left in the backlog by an earlier run).
    boost::asio::ip::tcp::acceptor own(io, {boost::asio::ip::make_address_v4("127.0.0.1"), 0});
    child_process p({binary, "backup", "--url", "http://127.0.0.1:" + std::to_string(own.local_endpoint().port()),
                     "--out", (dir / "b").string()});
    // Its connection arrives once it is waiting for the answer (its signal handling is set
    // up before it connects); a SIGINT sooner would find the default action.
    boost::asio::ip::tcp::socket held(io);
    own.accept(held);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    p.signal(SIGINT);
    BOOST_TEST(p.wait(std::chrono::seconds(10)) == 130, p.err());
    BOOST_TEST(p.err().find("interrupted by SIGINT") != std::string::npos, p.err());
  }
  BOOST_TEST(!fs::exists(dir / "b"));
}

// On a terminal the progress line is redrawn in place and never wider than the terminal
// (a wider one wraps, and every redraw becomes a new line).
BOOST_AUTO_TEST_CASE(progress_fits_a_narrow_terminal) {
  jetstrand::test::temp_dir dir;
  server s(dir / "data");
  {
    http_client c(s.port);
    for (int i = 0; i < 300; ++i) {
      BOOST_TEST_REQUIRE(c.request(http::verb::put, keys + "k" + std::to_string(i), std::string(500, 'v')).result_int() == 200u);
    }
  }
  for (unsigned short columns : {40, 50, 80}) {
    const auto set = dir / ("set-" + std::to_string(columns));
    auto [rc, screen] = jetstrand::test::run_in_terminal(
        {binary, "backup", "--url", s.url, "--out", set.string()}, columns);
    BOOST_TEST_REQUIRE(rc == 0, screen);
    // Every piece between carriage returns and newlines, without the clear-to-end-of-line.
    std::string piece;
    std::size_t redraws = 0;
    for (char ch : screen + "\n") {
      if (ch == '\r' || ch == '\n') {
        if (ch == '\r') ++redraws;
        auto k = piece.find("\033[K");
        if (k != std::string::npos) piece.erase(k, 3);
        // Progress lines only (the final summary on stdout is an ordinary line).
        if (piece.find('%') != std::string::npos)
          BOOST_TEST(piece.size() < columns, "a " << piece.size() << "-column line on a " << columns << "-column terminal: " << piece);
        piece.clear();
      } else {
        piece += ch;
      }
    }
    BOOST_TEST(redraws > 0u, screen);
    BOOST_TEST(screen.find("% ") != std::string::npos, screen);
  }
}

BOOST_AUTO_TEST_CASE(ctrl_c_ends_the_backup_with_abort_on_the_server) {
  jetstrand::test::temp_dir dir;
  server s(dir / "data");
  {
    http_client c(s.port);
    for (int i = 0; i < 2000; ++i) c.request(http::verb::put, keys + "k" + std::to_string(i), std::string(1500, 'x'));
  }
  // Wherever the signal lands (before begin, mid-file, between files), the outcome is the
  // same: exit 130, a marked set, and no backup left open on the server.
  for (int delay_ms : {0, 5, 20}) {
    auto out_dir = dir / ("set" + std::to_string(delay_ms));
    child_process p({binary, "backup", "--url", s.url, "--out", out_dir.string()});
    // Once the set is started the command handles signals (before, a signal just kills it).
    for (int i = 0; i < 2000 && !fs::exists(out_dir / "INCOMPLETE"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    p.signal(SIGINT);
    int rc = p.wait();
    if (rc == 0) continue;  // it finished before the signal: nothing to check
    BOOST_TEST(rc == 130, p.err());
    BOOST_TEST(fs::exists(out_dir / "INCOMPLETE"), p.err());
    BOOST_TEST(!fs::exists(out_dir / "manifest.json"));
    http_client c(s.port);
    auto st = c.request(http::verb::get, "/v1/instances/default/backup");
    BOOST_TEST(st.result_int() == 409u, st.body());  // -520: no backup open
  }
}

BOOST_AUTO_TEST_CASE(max_rate_limits_the_backup_on_the_server) {
  jetstrand::test::temp_dir dir;
  server s(dir / "data");
  {
    http_client c(s.port);
    for (int i = 0; i < 8; ++i) c.request(http::verb::put, keys + "v" + std::to_string(i), std::string(256 << 10, 'x'));
  }
  std::string out, err;
  BOOST_TEST(run({"backup", "--url", s.url, "--out", (dir / "bad").string(), "--max-rate", "fast"}, &out, &err) == 2);
  BOOST_TEST(err.find("--max-rate fast") != std::string::npos, err);
  // 4 MiB/s over a set of ~3 MiB or more: the server paces it (what the first chunk of each
  // file gets at once aside), so it takes a good part of a second at least.
  const auto t0 = std::chrono::steady_clock::now();
  child_process p({binary, "backup", "--url", s.url, "--out", (dir / "set").string(), "--max-rate", "4M"});
  bool seen = false;
  for (int i = 0; i < 200 && !seen; ++i) {
    http_client c(s.port);
    auto st = c.request(http::verb::get, "/v1/instances/default/backup");
    seen = st.result_int() == 200u && json_of(st).at("max_rate").as_int64() == (4 << 20);
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  BOOST_TEST(seen, "the server never showed max_rate 4M");
  BOOST_TEST_REQUIRE(p.wait() == 0, p.err());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::uint64_t bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "set")) {
    if (e.is_regular_file() && e.path().filename() != "manifest.json") bytes += e.file_size();
  }
  BOOST_TEST(bytes > 2u << 20);
  const double floor = static_cast<double>(bytes - 4 * (256 << 10)) / (4 << 20);
  BOOST_TEST(seconds >= floor, seconds << " s for " << bytes << " bytes at 4 MiB/s");
}

BOOST_AUTO_TEST_CASE(sigterm_during_a_backup_exits_zero_and_leaves_nothing_behind) {
  jetstrand::test::temp_dir dir;
  {
    server s(dir / "data");
    http_client c(s.port);
    for (int i = 0; i < 200; ++i) c.request(http::verb::put, keys + "k" + std::to_string(i), std::string(1500, 'x'));
    BOOST_TEST_REQUIRE(c.request(http::verb::post, "/v1/instances/default/backup").result_int() == 201u);
    s.p.signal(SIGTERM);
    BOOST_TEST(s.p.wait() == 0, s.p.err());
  }
  // Restarted, the instance recovers and a whole backup completes.
  server s(dir / "data");
  std::string err;
  BOOST_TEST(run({"backup", "--url", s.url, "--out", (dir / "set").string()}, nullptr, &err) == 0, err);
  http_client c(s.port);
  BOOST_TEST(c.request(http::verb::get, keys + "k199").result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(verify_names_damage_and_commands_explain_themselves) {
  jetstrand::test::temp_dir dir;
  {
    server s(dir / "data");
    std::string err;
    BOOST_TEST_REQUIRE(run({"backup", "--url", s.url, "--out", (dir / "set").string()}, nullptr, &err) == 0, err);
  }
  {
    std::fstream db(dir / "set" / "databases" / "default.jdb", std::ios::in | std::ios::out | std::ios::binary);
    db.seekp(8192 + 100);
    db.put('\x7f');
  }
  std::string out, err;
  BOOST_TEST(run({"verify", (dir / "set").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("default.jdb") != std::string::npos, err);
  BOOST_TEST(err.find("-1018") != std::string::npos, err);
  for (std::string cmd : {"backup", "restore", "verify"}) {
    BOOST_TEST(run({cmd, "--help"}, &out, &err) == 0);
    BOOST_TEST(out.find("usage: jetstrand " + cmd) != std::string::npos, out);
  }
  BOOST_TEST(run({"backup"}, &out, &err) == 2);
  BOOST_TEST(err.find("give one of --out DIR or --repo LOCATION") != std::string::npos, err);
  BOOST_TEST(run({"backup", "--out", (dir / "x").string(), "--url", "ftp://h"}, &out, &err) == 2);
  BOOST_TEST(run({"restore", "--from", (dir / "set").string()}, &out, &err) == 2);
  BOOST_TEST(err.find("--data DIR is required") != std::string::npos, err);
  BOOST_TEST(run({"verify"}, &out, &err) == 2);
  // A set that is not there is said to be missing, not "not a backup set".
  BOOST_TEST(run({"verify", (dir / "nope").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("does not exist") != std::string::npos, err);
  BOOST_TEST(run({"restore", "--from", (dir / "nope").string(), "--data", (dir / "r").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("does not exist") != std::string::npos, err);
}

BOOST_AUTO_TEST_SUITE_END()
