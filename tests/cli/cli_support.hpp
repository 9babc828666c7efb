#pragma once
// The jetstrand binary under test: `jetstrand serve` on a free loopback port, and one-shot
// commands with their output.

#include "support/child_process.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

namespace jetstrand::test {

inline const std::string jetstrand_binary = JETSTRAND_BINARY;

// `jetstrand serve --data DIR [extra...]` on 127.0.0.1, a free port; SIGTERM at scope end.
struct served {
  explicit served(const std::filesystem::path& data, std::vector<std::string> extra = {})
      : p([&] {
          std::vector<std::string> a{jetstrand_binary, "serve", "--listen", "127.0.0.1:0", "--data", data.string()};
          a.insert(a.end(), extra.begin(), extra.end());
          return a;
        }()) {
    auto m = p.wait_for_stdout(R"(serving (https?)://127\.0\.0\.1:(\d+))");
    BOOST_TEST_REQUIRE(m.has_value(), p.err());
    auto out = p.out();
    const bool tls = out.find("serving https://") != std::string::npos;
    auto at = out.find("127.0.0.1:") + 10;
    port = static_cast<unsigned short>(std::stoi(out.substr(at)));
    url = std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port);
  }
  ~served() {
    p.signal(SIGTERM);
    p.wait();
  }
  child_process p;
  unsigned short port = 0;
  std::string url;
};

// Runs `jetstrand args...` to its end (at most two minutes); its exit status.
inline int run_jetstrand(std::vector<std::string> args, std::string* out = nullptr, std::string* err = nullptr) {
  args.insert(args.begin(), jetstrand_binary);
  child_process c(args);
  int rc = c.wait(std::chrono::seconds(120));
  if (out) *out = c.out();
  if (err) *err = c.err();
  return rc;
}

}  // namespace jetstrand::test
