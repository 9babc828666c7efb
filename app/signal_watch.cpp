#include "signal_watch.hpp"

#include <pthread.h>

namespace jetstrand::cli {

signal_watch::signal_watch() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGUSR1);  // our own wake-up at destruction
  pthread_sigmask(SIG_BLOCK, &set_, &old_);
  watcher_ = std::thread([this] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set_, &sig) != 0 || sig == SIGUSR1) return;
      signal_ = sig;
      std::lock_guard lock(mutex_);
      if (callback_) callback_();
    }
  });
}

signal_watch::~signal_watch() {
  pthread_kill(watcher_.native_handle(), SIGUSR1);
  watcher_.join();
  pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

void signal_watch::on_signal(std::function<void()> f) {
  std::lock_guard lock(mutex_);
  callback_ = std::move(f);
  if (signal_ != 0) callback_();  // it came before anyone listened
}

std::string signal_watch::name() const {
  switch (signal_.load()) {
    case SIGINT: return "SIGINT (Ctrl-C)";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

}  // namespace jetstrand::cli
