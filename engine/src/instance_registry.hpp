#pragma once
// The engine's table of registered instances and its limits (mode, maximum). A mutex, not a
// strand: registration must be atomic with its checks and callable from any thread, and
// every critical section is a few map operations.
//
// The table owns the instances until they terminate (each instance removes itself); an
// instance points back at the table, so the table outlives the engine object if needed.

#include "jetstrand/engine.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>

namespace jetstrand::detail {

class instance_registry {
 public:
  instance_registry(instance_mode mode, std::size_t max_instances, std::size_t cache_size)
      : mode_(mode), max_instances_(max_instances), cache_size_(cache_size) {}

  // An instance's share of the engine's page cache: split evenly among those registered.
  std::size_t cache_share() const noexcept {
    return cache_size_ / std::max<std::size_t>(1, registered_.load(std::memory_order_relaxed));
  }

  instance_mode mode() const noexcept { return mode_; }

  // Checks (SPEC §2 order: -1003, -1080, -1086, -1214) and registers make()'s instance.
  std::shared_ptr<instance> add(std::string_view name,
                                const std::function<std::shared_ptr<instance>()>& make,
                                boost::system::error_code& ec);
  // Removes `inst` if it is still the one registered under its name.
  void remove(const instance& inst);

  std::shared_ptr<instance> find(std::string_view name) const;
  std::vector<std::shared_ptr<instance>> all() const;
  std::shared_ptr<instance> legacy(boost::system::error_code& ec) const;

 private:
  const instance_mode mode_;
  const std::size_t max_instances_;
  const std::size_t cache_size_;
  std::atomic<std::size_t> registered_{0};
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<instance>, std::less<>> table_;
};

}  // namespace jetstrand::detail
