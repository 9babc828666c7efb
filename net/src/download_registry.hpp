#pragma once
// The backup downloads running on this server, by instance, so that a stop can end the
// ones whose client is not reading: a download blocked in a socket write would otherwise
// only see the stop once the client took the bytes. Thread-safe.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace jetstrand::net {

class session;

class download_registry {
 public:
  // Returns a ticket to pass to remove().
  std::uint64_t add(const std::string& instance, std::weak_ptr<session> s);
  void remove(std::uint64_t ticket);
  // Tells every download of `instance` (every download when empty) that a stop happened.
  void interrupt(const std::string& instance);

 private:
  struct entry {
    std::string instance;
    std::weak_ptr<session> s;
  };
  std::mutex mutex_;
  std::uint64_t next_ = 1;
  std::map<std::uint64_t, entry> entries_;
};

}  // namespace jetstrand::net
