// Backup file downloads: streamed with backpressure, Range, a stop during many downloads,
// and clients that go away mid-download.
#include "support/server_fixture.hpp"

#include "jetstrand/transaction.hpp"

#include <boost/beast/http/buffer_body.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <thread>

using namespace jetstrand;
using jetstrand::test::check_error_body;
using jetstrand::test::http_client;
using jetstrand::test::json_of;
using jetstrand::test::server_fixture;
namespace http = boost::beast::http;
using verb = http::verb;

namespace {

const std::string b = "/v1/instances/a/backup";

// An instance "a" whose database "d" holds about `megabytes` MiB, made through the engine.
struct download_fixture : server_fixture {
  explicit download_fixture(int megabytes) : c(port) {
    auto inst = create("a");
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
    const int values = megabytes * 512;  // 2 KiB each
    for (int i = 0; i < values; i += 100) {
      transaction t;
      for (int j = i; j < i + 100; ++j) t.put("d", "k" + std::to_string(j), std::string(2000, static_cast<char>('a' + j % 26)));
      BOOST_TEST_REQUIRE(!std::get<0>(inst->async_commit(std::move(t), test::wait).get()));
    }
  }
  http_client c;
};

// A download whose client reads the header and then only as much as it is told to.
class slow_download {
 public:
  slow_download(unsigned short port, const std::string& target) : stream_(io_) {
    stream_.expires_after(std::chrono::seconds(20));
    stream_.socket().open(boost::asio::ip::tcp::v4());
    // A small receive window: the server's writes block soon, as with a slow client.
    stream_.socket().set_option(boost::asio::socket_base::receive_buffer_size(16 * 1024));
    stream_.connect({boost::asio::ip::make_address_v4("127.0.0.1"), port});
    http::request<http::empty_body> req{verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream_, req);
    parser_.body_limit(boost::none);
    http::read_header(stream_, buffer_, parser_);
  }
  unsigned status() { return parser_.get().result_int(); }
  std::uint64_t content_length() { return parser_.content_length().value_or(0); }
  // Reads until the body is complete or the connection ends; the body bytes received.
  std::uint64_t read_rest() {
    std::vector<char> chunk(64 * 1024);
    while (!parser_.is_done()) {
      parser_.get().body().data = chunk.data();
      parser_.get().body().size = chunk.size();
      boost::system::error_code ec;
      stream_.expires_after(std::chrono::seconds(20));
      http::read(stream_, buffer_, parser_, ec);
      received_ += chunk.size() - parser_.get().body().size;
      if (ec && ec != http::error::need_buffer) break;
    }
    return received_;
  }
  void disconnect() { stream_.close(); }

 private:
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> parser_;
  std::uint64_t received_ = 0;
};

// Polls the backup status until `pred` holds for it (or 10 s pass).
template <typename Pred>
bool status_until(http_client& c, Pred pred) {
  for (int i = 0; i < 1000; ++i) {
    auto v = json_of(c.request(verb::get, b));
    if (pred(v)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Runs a whole full backup over HTTP; the result of end.
std::string whole_backup(http_client& c) {
  BOOST_TEST_REQUIRE(c.request(verb::post, b).result_int() == 201u);
  // (The JSON values are kept in variables: a range-for over a temporary's member dangles.)
  const auto databases = json_of(c.request(verb::get, b + "/attach-info"));
  for (const auto& f : databases.at("files").as_array()) {
    BOOST_TEST_REQUIRE(c.request(verb::get, b + "/files/" + std::string(f.as_string())).result_int() == 200u);
  }
  const auto logs = json_of(c.request(verb::post, b + "/log-info"));
  for (const auto& f : logs.at("files").as_array()) {
    BOOST_TEST_REQUIRE(c.request(verb::get, b + "/files/" + std::string(f.as_string())).result_int() == 200u);
  }
  auto end = c.request(verb::delete_, b);
  BOOST_TEST_REQUIRE(end.result_int() == 200u, end.body());
  return std::string(json_of(end).at("result").as_string());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_downloads)

BOOST_AUTO_TEST_CASE(range_resumes_a_download) {
  download_fixture f(1);
  BOOST_TEST_REQUIRE(f.c.request(verb::post, b).result_int() == 201u);
  auto whole = f.c.request(verb::get, b + "/files/d.jdb");
  BOOST_TEST_REQUIRE(whole.result_int() == 200u);
  BOOST_TEST(whole[http::field::accept_ranges] == "bytes");
  const auto size = whole.body().size();
  BOOST_TEST_REQUIRE(size > 1u << 20);

  http::request<http::string_body> req{verb::get, b + "/files/d.jdb", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::range, "bytes=5000-");
  auto part = f.c.send(req);
  BOOST_TEST(part.result_int() == 206u);
  BOOST_TEST(part[http::field::content_range] == "bytes 5000-" + std::to_string(size - 1) + "/" + std::to_string(size));
  BOOST_TEST((part.body() == whole.body().substr(5000)));

  req.set(http::field::range, "bytes=" + std::to_string(size) + "-");
  auto past = f.c.send(req);
  BOOST_TEST(past.result_int() == 416u);
  BOOST_TEST(past[http::field::content_range] == "bytes */" + std::to_string(size));
  req.set(http::field::range, "bytes=0-10");
  BOOST_TEST(f.c.send(req).result_int() == 416u);  // only open-ended ranges
  BOOST_TEST(json_of(f.c.request(verb::delete_, b + "?mode=abort")).at("result").as_string() == "aborted");
}

BOOST_AUTO_TEST_CASE(stop_ends_eight_downloads_short) {
  download_fixture f(8);
  BOOST_TEST_REQUIRE(f.c.request(verb::post, b).result_int() == 201u);
  std::vector<std::unique_ptr<slow_download>> downloads;
  for (int i = 0; i < 8; ++i) {
    downloads.push_back(std::make_unique<slow_download>(f.port, b + "/files/d.jdb"));
    BOOST_TEST_REQUIRE(downloads.back()->status() == 200u);
  }
  BOOST_TEST(f.c.request(verb::post, b + "/stop").result_int() == 200u);
  for (auto& d : downloads) {
    const auto got = d->read_rest();
    BOOST_TEST(got < d->content_length(), "a download ran to its end despite the stop");
  }
  // The status shows the file's -801 (once the handles are closed, nothing reads).
  BOOST_TEST(status_until(f.c, [](const boost::json::value& v) {
    const auto& file = v.at("files").as_array().at(0);
    return file.at("state").as_string() == "failed";
  }));
  auto st = json_of(f.c.request(verb::get, b));
  BOOST_TEST(st.at("state").as_string() == "stopped");
  BOOST_TEST(st.at("files").as_array().at(0).at("error").as_int64() == -801);
  BOOST_TEST(json_of(f.c.request(verb::delete_, b)).at("result").as_string() == "aborted");
  auto metrics = f.c.request(verb::get, "/metrics").body();
  BOOST_TEST(metrics.find("jetstrand_backup_stop_to_abort_seconds_count 8") != std::string::npos, metrics);
  // A new backup then completes.
  BOOST_TEST(whole_backup(f.c) == "completed");
}

BOOST_AUTO_TEST_CASE(clients_that_go_away_leave_no_open_file) {
  // Larger than the socket buffers on both ends (the server's may grow to 4 MiB), so that
  // no download can be wholly sent before its client leaves.
  download_fixture f(8);
  BOOST_TEST_REQUIRE(f.c.request(verb::post, b).result_int() == 201u);
  // More than the open-file limit (16): each handle must be closed when its client leaves.
  for (int i = 0; i < 20; ++i) {
    slow_download d(f.port, b + "/files/d.jdb");
    BOOST_TEST_REQUIRE(d.status() == 200u);
    d.disconnect();
  }
  BOOST_TEST(status_until(f.c, [](const boost::json::value& v) {
    return v.at("files").as_array().at(0).at("state").as_string() == "partial";
  }), boost::json::serialize(json_of(f.c.request(verb::get, b))));
  auto r = f.c.request(verb::get, b + "/files/d.jdb");
  BOOST_TEST(r.result_int() == 200u);
  BOOST_TEST(r.body().size() == r.body().size() / 8192 * 8192);
  BOOST_TEST(json_of(f.c.request(verb::get, b)).at("files").as_array().at(0).at("state").as_string() == "copied");
  BOOST_TEST(json_of(f.c.request(verb::delete_, b + "?mode=abort")).at("result").as_string() == "aborted");
}

BOOST_AUTO_TEST_SUITE_END()
