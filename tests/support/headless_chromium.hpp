#pragma once
// Drives Debian's Chromium, headless, through the DevTools protocol over a pipe
// (--remote-debugging-pipe: JSON messages separated by NUL bytes, Chromium reading fd 3 and
// writing fd 4): no port to find, no WebSocket, nothing from npm. Enough for a test to open
// a page, run script in it (to read the DOM and press buttons) and take a screenshot.
//
// The browser is JETSTRAND_CHROMIUM if set, else /usr/bin/chromium. Every wait has a
// deadline, and the destructor kills the browser, so a test never hangs on it.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <string>
#include <sys/types.h>

namespace jetstrand::test {

class headless_chromium {
 public:
  explicit headless_chromium(std::filesystem::path profile_dir);
  ~headless_chromium();
  headless_chromium(const headless_chromium&) = delete;
  headless_chromium& operator=(const headless_chromium&) = delete;

  // A DevTools command; its "result" (throws std::runtime_error with the protocol's error,
  // or when no answer comes within `limit`). `session` addresses a page (see page).
  boost::json::value call(const std::string& method, boost::json::object params = {},
                          const std::string& session = {},
                          std::chrono::milliseconds limit = std::chrono::seconds(30));

  // What Chromium printed on stderr, for a failing test's message.
  const std::string& log() const { return stderr_text_; }

 private:
  void send(const boost::json::object& message);
  // Reads one message; false when none came before the deadline.
  bool receive(boost::json::value& out, std::chrono::steady_clock::time_point deadline);
  void drain_stderr();

  pid_t pid_ = -1;
  int to_browser_ = -1, from_browser_ = -1, stderr_ = -1;
  std::string pending_, stderr_text_;
  std::int64_t next_id_ = 1;
};

// One tab, attached: run script in it, wait for conditions, take a screenshot.
class browser_page {
 public:
  browser_page(headless_chromium& browser, const std::string& url, int width, int height);

  // Evaluates `expression` in the page (awaiting a promise) and returns its value as JSON;
  // throws if the script threw.
  boost::json::value eval(const std::string& expression);
  // Polls `condition` (a JS expression) until it is true; false at the deadline.
  bool wait_until(const std::string& condition, std::chrono::milliseconds limit = std::chrono::seconds(15));
  void resize(int width, int height);
  void reload();
  void screenshot(const std::filesystem::path& png);

 private:
  headless_chromium& browser_;
  std::string session_;
};

}  // namespace jetstrand::test
