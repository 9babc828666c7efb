// The dashboard in a real browser: Debian's Chromium, headless, driven through the DevTools
// protocol (headless_chromium.hpp) against an in-process server on 127.0.0.1 with two
// instances. The test reads the page's DOM and presses its buttons as a person would: it
// sees both instances, begins a backup, sees a download's progress, stops it and sees the
// stop (-801) on the page, ends it; a completed backup shows as the last one; errors show
// their JET name; the layout fits 1280×900 and a narrow window; with a token the page asks
// for it once and keeps it for the tab.
#include "support/headless_chromium.hpp"
#include "support/server_fixture.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>

using namespace jetstrand;
using jetstrand::test::browser_page;
using jetstrand::test::headless_chromium;
using jetstrand::test::http_client;
using jetstrand::test::json_of;
using jetstrand::test::server_fixture;
namespace http = boost::beast::http;
using verb = http::verb;
namespace asio = boost::asio;

namespace {

// Two instances: alpha with a database large enough that a stalled download stays partial,
// beta with a small one.
struct dashboard_fixture : server_fixture {
  explicit dashboard_fixture(net::server_options o = {}) : server_fixture(std::move(o)) {
    alpha = create("alpha");
    beta = create("beta");
    BOOST_TEST_REQUIRE(!std::get<0>(alpha->async_create_database("d", test::wait).get()));
    BOOST_TEST_REQUIRE(!std::get<0>(beta->async_create_database("e", test::wait).get()));
    const std::string value(256 << 10, 'v');
    for (int i = 0; i < 64; ++i) {  // 16 MiB: more than loopback's socket buffers hold
      BOOST_TEST_REQUIRE(!std::get<0>(alpha->async_put("d", "k" + std::to_string(i), value, test::wait).get()));
    }
    for (int i = 0; i < 10; ++i) {
      BOOST_TEST_REQUIRE(!std::get<0>(beta->async_put("e", "k" + std::to_string(i), "small", test::wait).get()));
    }
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/"; }

  std::shared_ptr<instance> alpha, beta;
};

// A download that reads a little and then nothing: the server's copy stalls part-way, as
// with a slow client, until the socket is closed.
class stalled_download {
 public:
  stalled_download(unsigned short port, const std::string& target, const std::string& token = {}) : socket_(io_) {
    socket_.open(asio::ip::tcp::v4());
    socket_.set_option(asio::socket_base::receive_buffer_size(4096));
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
    req += "\r\n";
    asio::write(socket_, asio::buffer(req));
    std::string first(64 << 10, '\0');
    asio::read(socket_, asio::buffer(first));
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
};

std::string in_card(const std::string& instance, const std::string& selector) {
  return "document.querySelector('[data-instance=\"" + instance + "\"] " + selector + "')";
}

struct page_driver {
  browser_page& page;
  void click(const std::string& instance, const std::string& button) {
    const auto enabled = page.eval("!" + in_card(instance, button) + ".disabled");
    BOOST_TEST_REQUIRE(enabled.as_bool(), instance << " " << button << " is disabled");
    page.eval(in_card(instance, button) + ".click()");
  }
  bool wait(const std::string& condition) {
    const bool ok = page.wait_until(condition);
    if (!ok) BOOST_TEST_MESSAGE("page: " << boost::json::serialize(page.eval("document.body.innerText")));
    return ok;
  }
  std::string text(const std::string& instance, const std::string& selector) {
    return std::string(page.eval(in_card(instance, selector) + ".textContent").as_string());
  }
  bool fits_width() {
    return page.eval("document.documentElement.scrollWidth <= window.innerWidth").as_bool();
  }
};

std::filesystem::path artifacts() {
  const char* dir = std::getenv("JETSTRAND_BROWSER_ARTIFACTS");
  std::filesystem::path p = dir && *dir ? dir : std::filesystem::temp_directory_path() / "jetstrand-browser";
  std::filesystem::create_directories(p);
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dashboard)

BOOST_AUTO_TEST_CASE(shows_both_instances_begins_stops_and_ends_a_backup) {
  dashboard_fixture f;
  headless_chromium browser(f.dir / "chromium");
  browser_page page(browser, f.url(), 1280, 900);
  page_driver d{page};

  // Both instances, their databases and the controls.
  BOOST_TEST_REQUIRE(d.wait(in_card("alpha", ".databases") + " && " + in_card("beta", ".databases")));
  BOOST_TEST(d.text("alpha", ".databases") == "d");
  BOOST_TEST(d.text("beta", ".databases") == "e");
  BOOST_TEST(d.text("alpha", ".state") == "running");
  BOOST_TEST(d.text("alpha", ".last-backup") == "never");
  BOOST_TEST(page.eval("document.getElementById('mode').textContent").as_string() == "multi-instance mode");
  BOOST_TEST(!page.eval("document.getElementById('token-form').checkVisibility()").as_bool());  // no token here
  for (const char* button : {".begin-full", ".begin-incremental", ".stop", ".end"}) {
    BOOST_TEST(page.eval(in_card("alpha", button) + " !== null").as_bool(), button);
  }
  BOOST_TEST(page.eval(in_card("alpha", ".stop") + ".disabled").as_bool());
  BOOST_TEST(d.fits_width());

  // An error from the API shows with its JET name: beta never had a full backup.
  d.click("beta", ".begin-incremental");
  BOOST_TEST(d.wait(in_card("beta", ".error") + ".textContent.includes('JET_errMissingFullBackup (-560)')"));

  // Begin a full backup of alpha from the page.
  d.click("alpha", ".begin-full");
  BOOST_TEST_REQUIRE(d.wait(in_card("alpha", "") + ".dataset.backup === 'databases'"));
  BOOST_TEST(d.wait(in_card("alpha", "tr[data-file=\"d.jdb\"]") + " !== null"));
  BOOST_TEST(page.eval(in_card("alpha", ".begin-full") + ".disabled").as_bool());

  // A client downloads the database slowly: the page shows the file part-way.
  stalled_download download(f.port, "/v1/instances/alpha/backup/files/d.jdb");
  BOOST_TEST_REQUIRE(d.wait(in_card("alpha", "tr[data-file=\"d.jdb\"]") + ".dataset.state === 'reading'"));
  BOOST_TEST(d.wait("parseFloat(" + in_card("alpha", ".total-bar .fill") + ".style.width) > 0"));
  BOOST_TEST(d.text("alpha", ".totals").find(" of ") != std::string::npos);
  BOOST_TEST(d.text("alpha", ".totals").rfind("0 B", 0) != 0, d.text("alpha", ".totals"));
  page.screenshot(artifacts() / "dashboard.png");

  // Stop: the backup shows stopped, and the open file failed with -801 (S7).
  d.click("alpha", ".stop");
  BOOST_TEST_REQUIRE(d.wait(in_card("alpha", "") + ".dataset.backup === 'stopped'"));
  BOOST_TEST(d.wait(in_card("alpha", "tr[data-file=\"d.jdb\"]") + ".dataset.state === 'failed'"));
  BOOST_TEST(d.text("alpha", "tr[data-file=\"d.jdb\"] .file-error").find("JET_errBackupAbortByServer (-801)") !=
             std::string::npos);
  BOOST_TEST(page.eval(in_card("alpha", ".stop-requested") + ".checkVisibility()").as_bool());
  BOOST_TEST(page.eval(in_card("alpha", ".stop") + ".disabled").as_bool());
  page.screenshot(artifacts() / "dashboard-stopped.png");

  // End: aborted, and nothing left open.
  d.click("alpha", ".end");
  BOOST_TEST_REQUIRE(d.wait(in_card("alpha", "") + ".dataset.backup === 'none'"));
  BOOST_TEST(d.text("alpha", ".last-backup").find("last end: aborted") != std::string::npos);
  BOOST_TEST(!page.eval(in_card("alpha", ".begin-full") + ".disabled").as_bool());
  http_client c(f.port);
  BOOST_TEST(c.request(verb::get, "/v1/instances/alpha/backup").result_int() == 409u);  // -520: ended

  // A backup of beta begun on the page, copied by a client and ended on the page completes,
  // and shows as the last completed one.
  d.click("beta", ".begin-full");
  BOOST_TEST_REQUIRE(d.wait(in_card("beta", "") + ".dataset.backup === 'databases'"));
  BOOST_TEST(d.wait("!" + in_card("beta", ".error") + ".checkVisibility()"));  // the earlier error is gone
  BOOST_TEST(c.request(verb::get, "/v1/instances/beta/backup/files/e.jdb").result_int() == 200u);
  auto logs = json_of(c.request(verb::post, "/v1/instances/beta/backup/log-info"));
  for (const auto& log : logs.at("files").as_array()) {
    BOOST_TEST(c.request(verb::get, "/v1/instances/beta/backup/files/" + std::string(log.as_string())).result_int() == 200u);
  }
  BOOST_TEST(d.wait(in_card("beta", "") + ".dataset.backup === 'logs'"));
  d.click("beta", ".end");
  BOOST_TEST_REQUIRE(d.wait(in_card("beta", "") + ".dataset.backup === 'none'"));
  BOOST_TEST(d.wait(in_card("beta", ".last-backup") + ".textContent.startsWith('full, ')"));
  BOOST_TEST(d.text("beta", ".last-backup").find("last end: completed") != std::string::npos);

  // A narrow window: one column, nothing wider than the window.
  page.resize(400, 800);
  BOOST_TEST(d.wait("document.documentElement.scrollWidth <= window.innerWidth"));
  page.screenshot(artifacts() / "dashboard-narrow.png");
}

BOOST_AUTO_TEST_CASE(with_a_token_asks_for_it_once_and_keeps_it_for_the_tab) {
  net::server_options o;
  o.token = "let-me-in";
  dashboard_fixture f(o);
  headless_chromium browser(f.dir / "chromium");
  browser_page page(browser, f.url(), 1280, 900);
  page_driver d{page};

  BOOST_TEST_REQUIRE(d.wait("document.getElementById('token-form').checkVisibility()"));
  BOOST_TEST(page.eval("document.querySelectorAll('[data-instance]').length").as_int64() == 0);
  auto submit = [&](const std::string& token) {
    page.eval("document.getElementById('token-input').value = '" + token + "';"
              "document.getElementById('token-form').requestSubmit()");
  };
  submit("wrong");
  BOOST_TEST(d.wait("document.getElementById('token-error').textContent.includes('refused')"));
  submit("let-me-in");
  BOOST_TEST_REQUIRE(d.wait(in_card("alpha", ".databases") + " && " + in_card("beta", ".databases")));
  BOOST_TEST(!page.eval("document.getElementById('token-form').checkVisibility()").as_bool());

  // Kept for the tab: a reload does not ask again.
  page.reload();
  BOOST_TEST_REQUIRE(d.wait(in_card("alpha", ".databases")));
  BOOST_TEST(!page.eval("document.getElementById('token-form').checkVisibility()").as_bool());

  // The controls work with the token: begin, a download part-way, stop (-801), end.
  d.click("alpha", ".begin-full");
  BOOST_TEST_REQUIRE(d.wait(in_card("alpha", "") + ".dataset.backup === 'databases'"));
  stalled_download download(f.port, "/v1/instances/alpha/backup/files/d.jdb", "let-me-in");
  BOOST_TEST_REQUIRE(d.wait(in_card("alpha", "tr[data-file=\"d.jdb\"]") + "?.dataset.state === 'reading'"));
  d.click("alpha", ".stop");
  BOOST_TEST_REQUIRE(d.wait(in_card("alpha", "") + ".dataset.backup === 'stopped'"));
  BOOST_TEST(d.wait(in_card("alpha", "tr[data-file=\"d.jdb\"] .file-error") +
                    "?.textContent.includes('JET_errBackupAbortByServer (-801)')"));
  d.click("alpha", ".end");
  BOOST_TEST(d.wait(in_card("alpha", "") + ".dataset.backup === 'none'"));
}

BOOST_AUTO_TEST_SUITE_END()
