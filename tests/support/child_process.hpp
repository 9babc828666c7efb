#pragma once
// Runs a program (the jetstrand binary) as a child process with its stdout and stderr
// captured, for black-box tests. The destructor kills it if still running.

#include <chrono>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <regex>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace jetstrand::test {

class child_process {
 public:
  explicit child_process(std::vector<std::string> argv) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    if (rc != 0) throw std::runtime_error("posix_spawn " + argv[0] + " failed");
  }
  ~child_process() {
    if (!exit_code_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    ::close(out_fd_);
    ::close(err_fd_);
  }

  // Reads stdout until `pattern` matches it (returns the match's first group) or times out.
  std::optional<std::string> wait_for_stdout(const std::string& pattern,
                                             std::chrono::seconds limit = std::chrono::seconds(20)) {
    std::regex re(pattern);
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch m;
      if (std::regex_search(out_, m, re)) return m.size() > 1 ? m[1].str() : m[0].str();
      if (!pump(100)) break;
    }
    std::smatch m;
    if (std::regex_search(out_, m, re)) return m.size() > 1 ? m[1].str() : m[0].str();
    return std::nullopt;
  }

  void signal(int sig) { ::kill(pid_, sig); }

  // Waits for exit (draining output); the exit status, or 128+signal.
  int wait(std::chrono::seconds limit = std::chrono::seconds(30)) {
    if (exit_code_) return *exit_code_;
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        while (pump(0)) {
        }
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return *exit_code_;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        limit = std::chrono::seconds(5);
        deadline = std::chrono::steady_clock::now() + limit;
      }
      pump(20);
    }
  }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  // Reads what is available on stdout/stderr, waiting up to `ms`; false at EOF of both.
  bool pump(int ms) {
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    if (::poll(fds, 2, ms) <= 0) return true;
    bool open = false;
    char buf[4096];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents & (POLLIN | POLLHUP)) {
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n > 0) {
          (i == 0 ? out_ : err_).append(buf, static_cast<std::size_t>(n));
          open = true;
        }
      } else {
        open = true;
      }
    }
    return open;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
  std::optional<int> exit_code_;
};

}  // namespace jetstrand::test
