#include "download_registry.hpp"

#include "session.hpp"

#include <vector>

namespace jetstrand::net {

std::uint64_t download_registry::add(const std::string& instance, std::weak_ptr<session> s) {
  std::lock_guard lock(mutex_);
  auto t = next_++;
  entries_[t] = {instance, std::move(s)};
  return t;
}

void download_registry::remove(std::uint64_t ticket) {
  std::lock_guard lock(mutex_);
  entries_.erase(ticket);
}

void download_registry::interrupt(const std::string& instance) {
  std::vector<std::shared_ptr<session>> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [t, e] : entries_) {
      if (!instance.empty() && e.instance != instance) continue;
      if (auto s = e.s.lock()) targets.push_back(std::move(s));
    }
  }
  for (auto& s : targets) s->interrupt_download();
}

}  // namespace jetstrand::net
