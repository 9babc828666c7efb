#pragma once
// A small argument reader for the subcommands: "--name value", "--name=value" and flags,
// with errors that say which argument was wrong.

#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jetstrand::cli {

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class args {
 public:
  explicit args(std::span<char*> argv) {
    for (char* a : argv) rest_.emplace_back(a);
  }

  // True if --name is present (as a flag); removes it.
  bool flag(std::string_view name) {
    for (auto it = rest_.begin(); it != rest_.end(); ++it) {
      if (*it == name) {
        rest_.erase(it);
        return true;
      }
    }
    return false;
  }

  // The value of --name (next argument or after '='); removes both.
  std::optional<std::string> value(std::string_view name) {
    for (auto it = rest_.begin(); it != rest_.end(); ++it) {
      if (*it == name) {
        if (it + 1 == rest_.end()) throw usage_error(std::string(name) + " needs a value");
        std::string v = *(it + 1);
        rest_.erase(it, it + 2);
        return v;
      }
      if (it->size() > name.size() + 1 && it->starts_with(name) && (*it)[name.size()] == '=') {
        std::string v = it->substr(name.size() + 1);
        rest_.erase(it);
        return v;
      }
    }
    return std::nullopt;
  }

  // What is left that is not an option (call after taking the options); fails on an option.
  std::vector<std::string> positional() {
    for (const auto& r : rest_) {
      if (r.starts_with("-")) throw usage_error("unknown option '" + r + "'");
    }
    return std::exchange(rest_, {});
  }

  // Fails on anything not consumed.
  void expect_empty() const {
    if (!rest_.empty()) throw usage_error("unexpected argument '" + rest_.front() + "'");
  }

 private:
  std::vector<std::string> rest_;
};

}  // namespace jetstrand::cli
