#include "support/headless_chromium.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace jetstrand::test {
namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

namespace {

// A pipe whose ends are above the descriptors the child gets (3, 4), close-on-exec.
void high_pipe(int fds[2]) {
  int raw[2];
  if (::pipe(raw) != 0) throw std::runtime_error("pipe failed");
  for (int i = 0; i < 2; ++i) {
    fds[i] = ::fcntl(raw[i], F_DUPFD_CLOEXEC, 10);
    ::close(raw[i]);
    if (fds[i] < 0) throw std::runtime_error("fcntl failed");
  }
}

}  // namespace

headless_chromium::headless_chromium(std::filesystem::path profile_dir) {
  const char* chosen = std::getenv("JETSTRAND_CHROMIUM");
  const std::string binary = chosen && *chosen ? chosen : "/usr/bin/chromium";
  if (::access(binary.c_str(), X_OK) != 0) {
    throw std::runtime_error(binary + " is not there: install Debian's chromium (scripts/setup.sh does)");
  }
  int in[2], out[2], err[2];
  high_pipe(in);   // we write in[1], Chromium reads fd 3
  high_pipe(out);  // Chromium writes fd 4, we read out[0]
  high_pipe(err);
  // The flags a closed network needs (no background connections that fail at every start),
  // and --no-sandbox because tests may run as root.
  std::vector<std::string> argv{binary,
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-dev-shm-usage",
                                "--disable-quic",
                                "--no-first-run",
                                "--no-default-browser-check",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync",
                                "--disable-extensions",
                                "--hide-scrollbars",
                                "--remote-debugging-pipe",
                                "--user-data-dir=" + profile_dir.string(),
                                "about:blank"};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 3);
  posix_spawn_file_actions_adddup2(&actions, out[1], 4);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  const int rc = ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  to_browser_ = in[1];
  from_browser_ = out[0];
  stderr_ = err[0];
  ::fcntl(stderr_, F_SETFL, O_NONBLOCK);
  if (rc != 0) throw std::runtime_error("cannot start " + binary);
  call("Browser.getVersion");  // the pipe works
}

headless_chromium::~headless_chromium() {
  try {
    call("Browser.close", {}, {}, std::chrono::seconds(5));
  } catch (...) {
  }
  const auto deadline = clock_type::now() + std::chrono::seconds(10);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (clock_type::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::close(to_browser_);
  ::close(from_browser_);
  ::close(stderr_);
}

void headless_chromium::send(const json::object& message) {
  std::string text = json::serialize(message);
  text.push_back('\0');
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(to_browser_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("the browser closed its pipe\n" + stderr_text_);
    done += static_cast<std::size_t>(n);
  }
}

void headless_chromium::drain_stderr() {
  char buf[4096];
  ssize_t n;
  while ((n = ::read(stderr_, buf, sizeof buf)) > 0) stderr_text_.append(buf, static_cast<std::size_t>(n));
}

bool headless_chromium::receive(json::value& out, clock_type::time_point deadline) {
  while (true) {
    if (const auto end = pending_.find('\0'); end != std::string::npos) {
      out = json::parse(std::string_view(pending_).substr(0, end));
      pending_.erase(0, end + 1);
      return true;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    if (left.count() <= 0) return false;
    pollfd p{from_browser_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 200)));
    drain_stderr();
    if (r < 0 && errno != EINTR) throw std::runtime_error("poll failed");
    if (r <= 0) continue;
    char buf[65536];
    const ssize_t n = ::read(from_browser_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("the browser exited\n" + stderr_text_);
    pending_.append(buf, static_cast<std::size_t>(n));
  }
}

json::value headless_chromium::call(const std::string& method, json::object params, const std::string& session,
                                    std::chrono::milliseconds limit) {
  const auto id = next_id_++;
  json::object message{{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (!session.empty()) message["sessionId"] = session;
  send(message);
  const auto deadline = clock_type::now() + limit;
  json::value in;
  while (receive(in, deadline)) {
    const auto& o = in.as_object();
    const auto* got = o.if_contains("id");
    if (!got || got->as_int64() != id) continue;  // an event, or another answer
    if (const auto* e = o.if_contains("error")) {
      throw std::runtime_error(method + " failed: " + json::serialize(*e));
    }
    return o.contains("result") ? o.at("result") : json::value(json::object{});
  }
  throw std::runtime_error(method + ": no answer from the browser in time\n" + stderr_text_);
}

browser_page::browser_page(headless_chromium& browser, const std::string& url, int width, int height)
    : browser_(browser) {
  const auto target = browser_.call("Target.createTarget", {{"url", "about:blank"}});
  const auto attached =
      browser_.call("Target.attachToTarget", {{"targetId", target.at("targetId")}, {"flatten", true}});
  session_ = std::string(attached.at("sessionId").as_string());
  browser_.call("Page.enable", {}, session_);
  browser_.call("Runtime.enable", {}, session_);
  resize(width, height);
  browser_.call("Page.navigate", {{"url", url}}, session_);
  if (!wait_until("document.readyState === 'complete' && location.href !== 'about:blank'")) {
    throw std::runtime_error("the page did not load: " + url);
  }
}

void browser_page::resize(int width, int height) {
  browser_.call("Emulation.setDeviceMetricsOverride",
                {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", false}}, session_);
}

void browser_page::reload() {
  browser_.call("Page.reload", {{"ignoreCache", true}}, session_);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!wait_until("document.readyState === 'complete'")) throw std::runtime_error("the page did not reload");
}

json::value browser_page::eval(const std::string& expression) {
  const auto r = browser_.call(
      "Runtime.evaluate", {{"expression", expression}, {"awaitPromise", true}, {"returnByValue", true}}, session_);
  if (const auto* e = r.as_object().if_contains("exceptionDetails")) {
    throw std::runtime_error("script failed: " + expression + "\n" + json::serialize(*e));
  }
  const auto& result = r.at("result").as_object();
  return result.contains("value") ? result.at("value") : json::value(nullptr);
}

bool browser_page::wait_until(const std::string& condition, std::chrono::milliseconds limit) {
  const auto deadline = clock_type::now() + limit;
  while (true) {
    try {
      const auto v = eval("!!(" + condition + ")");
      if (v.is_bool() && v.as_bool()) return true;
    } catch (const std::runtime_error&) {
      // A page between loads has no document to ask yet: try again.
    }
    if (clock_type::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void browser_page::screenshot(const std::filesystem::path& png) {
  const auto r = browser_.call("Page.captureScreenshot", {{"format", "png"}}, session_);
  const auto& data = r.at("data").as_string();
  std::string bytes(boost::beast::detail::base64::decoded_size(data.size()), '\0');
  const auto [written, read] = boost::beast::detail::base64::decode(bytes.data(), data.data(), data.size());
  (void)read;
  bytes.resize(written);
  std::ofstream(png, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace jetstrand::test
