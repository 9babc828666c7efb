#include "instance_registry.hpp"

#include "jetstrand/names.hpp"

namespace jetstrand::detail {

std::shared_ptr<instance> instance_registry::add(
    std::string_view name, const std::function<std::shared_ptr<instance>()>& make,
    boost::system::error_code& ec) {
  if (!is_valid_name(name)) {
    ec = jet_errc::invalid_parameter;
    return nullptr;
  }
  std::lock_guard lock(mutex_);
  if (mode_ == instance_mode::one && !table_.empty()) {
    ec = jet_errc::running_in_one_instance_mode;
    return nullptr;
  }
  if (table_.find(name) != table_.end()) {
    ec = jet_errc::instance_name_in_use;
    return nullptr;
  }
  if (table_.size() >= max_instances_) {
    ec = jet_errc::too_many_instances;
    return nullptr;
  }
  auto inst = make();
  table_.emplace(std::string(name), inst);
  registered_.store(table_.size(), std::memory_order_relaxed);
  ec.clear();
  return inst;
}

void instance_registry::remove(const instance& inst) {
  std::shared_ptr<instance> removed;  // destroyed after the lock is released
  std::lock_guard lock(mutex_);
  auto it = table_.find(inst.name());
  if (it != table_.end() && it->second.get() == &inst) {
    removed = std::move(it->second);
    table_.erase(it);
    registered_.store(table_.size(), std::memory_order_relaxed);
  }
}

std::shared_ptr<instance> instance_registry::find(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = table_.find(name);
  return it == table_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<instance>> instance_registry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<instance>> out;
  out.reserve(table_.size());
  for (const auto& [name, inst] : table_) out.push_back(inst);
  return out;
}

std::shared_ptr<instance> instance_registry::legacy(boost::system::error_code& ec) const {
  if (mode_ == instance_mode::multi) {
    ec = jet_errc::running_in_multi_instance_mode;
    return nullptr;
  }
  std::lock_guard lock(mutex_);
  if (table_.empty()) {
    ec = jet_errc::invalid_parameter;
    return nullptr;
  }
  ec.clear();
  return table_.begin()->second;
}

}  // namespace jetstrand::detail
