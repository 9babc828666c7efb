#include "jetstrand/instance.hpp"

#include "instance_registry.hpp"

#include <ostream>

namespace jetstrand {

std::string_view to_string(instance_state s) noexcept {
  switch (s) {
    case instance_state::created: return "created";
    case instance_state::starting: return "starting";
    case instance_state::running: return "running";
    case instance_state::terminating: return "terminating";
    case instance_state::terminated: return "terminated";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, instance_state s) { return os << to_string(s); }

instance::instance(std::string name, std::filesystem::path directory, executor_type strand,
                   std::shared_ptr<io::file_service> files,
                   std::shared_ptr<detail::instance_registry> registry)
    : name_(std::move(name)),
      directory_(std::move(directory)),
      strand_(std::move(strand)),
      files_(std::move(files)),
      registry_(std::move(registry)),
      log_(make_logger(name_)) {}

instance::~instance() = default;

void instance::set_state(instance_state s) noexcept {
  state_ = s;
  published_state_.store(s);
}

boost::system::error_code instance::init_on_strand() {
  switch (state_) {
    case instance_state::created: break;
    case instance_state::starting:
    case instance_state::running: return jet_errc::already_initialized;
    case instance_state::terminating:
    case instance_state::terminated: return jet_errc::invalid_parameter;
  }
  set_state(instance_state::starting);
  boost::system::error_code ec;
  lock_ = detail::directory_lock::acquire(directory_, ec);
  if (ec) {
    JETSTRAND_LOG(log_, log_level::error) << "init failed: " << ec.message();
    set_state(instance_state::created);
    return ec;
  }
  set_state(instance_state::running);
  JETSTRAND_LOG(log_, log_level::info) << "running in " << directory_.string();
  return {};
}

boost::system::error_code instance::terminate_on_strand(terminate_mode mode) {
  if (state_ == instance_state::terminating || state_ == instance_state::terminated) {
    return jet_errc::invalid_parameter;
  }
  set_state(instance_state::terminating);
  lock_.release();
  set_state(instance_state::terminated);
  registry_->remove(*this);
  JETSTRAND_LOG(log_, log_level::info)
      << "terminated (" << (mode == terminate_mode::abrupt ? "abrupt" : "complete") << ")";
  return {};
}

}  // namespace jetstrand
