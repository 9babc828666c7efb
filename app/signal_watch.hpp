#pragma once
// SIGINT and SIGTERM for a command that must clean up (end a backup with abort, mark its
// directory incomplete) instead of dying: while one of these lives, the signals are blocked
// in every thread and a watcher thread runs the callback when one arrives.

#include <atomic>
#include <csignal>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace jetstrand::cli {

class signal_watch {
 public:
  signal_watch();
  ~signal_watch();
  signal_watch(const signal_watch&) = delete;
  signal_watch& operator=(const signal_watch&) = delete;

  // Runs on the watcher thread, once per signal.
  void on_signal(std::function<void()> f);
  bool received() const noexcept { return signal_ != 0; }
  std::string name() const;

 private:
  sigset_t set_{}, old_{};
  std::atomic<int> signal_{0};
  std::mutex mutex_;
  std::function<void()> callback_;
  std::thread watcher_;
};

}  // namespace jetstrand::cli
