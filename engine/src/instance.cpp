#include "jetstrand/instance.hpp"

#include "detail/caller_turnstile.hpp"
#include "detail/directory_lock.hpp"
#include "instance_registry.hpp"
#include "io/file_service.hpp"
#include "jetstrand/instance_extension.hpp"
#include "storage/instance_storage.hpp"

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
                   std::shared_ptr<detail::instance_registry> registry,
                   storage_options storage)
    : name_(std::move(name)),
      directory_(std::move(directory)),
      strand_(std::move(strand)),
      waiting_callers_(std::make_unique<detail::caller_turnstile>()),
      files_(std::move(files)),
      registry_(std::move(registry)),
      storage_options_(storage),
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
  lock_ = std::make_unique<detail::directory_lock>(detail::directory_lock::acquire(directory_, ec));
  if (!ec) {
    storage_ = std::make_unique<storage::instance_storage>(
        *files_, strand_, directory_, storage_options_, log_,
        [registry = registry_] { return registry->cache_share(); });
    ec = storage_->open();
  }
  if (ec) {
    JETSTRAND_LOG(log_, log_level::error) << "init failed: " << ec.message();
    storage_.reset();
    lock_.reset();
    set_state(instance_state::created);
    return ec;
  }
  publish_databases();
  set_state(instance_state::running);
  JETSTRAND_LOG(log_, log_level::info) << "running in " << directory_.string();
  return {};
}

void instance::terminate_on_strand(terminate_mode mode, done_fn done) {
  if (state_ == instance_state::terminating || state_ == instance_state::terminated) {
    return done(jet_errc::invalid_parameter);
  }
  for (auto& ext : extensions_snapshot()) {
    if (auto ec = ext->can_terminate(mode)) return done(ec);  // nothing changed yet
  }
  set_state(instance_state::terminating);
  auto finish = [self = shared_from_this(), mode, done = std::move(done)](
                    boost::system::error_code ec) {
    self->storage_.reset();
    decltype(self->extensions_) gone;  // destroyed outside the lock
    {
      std::lock_guard lock(self->extensions_mutex_);
      gone.swap(self->extensions_);
    }
    self->lock_.reset();
    self->set_state(instance_state::terminated);
    self->publish_databases();
    self->registry_->remove(*self);
    JETSTRAND_LOG(self->log_, log_level::info)
        << "terminated (" << (mode == terminate_mode::abrupt ? "abrupt" : "complete") << ")"
        << (ec ? ": " + ec.message() : std::string());
    done(ec);
  };
  run_terminate_hooks(mode, 0, [self = shared_from_this(), finish = std::move(finish)]() mutable {
    if (self->storage_) {
      self->storage_->close(std::move(finish));
    } else {
      finish({});
    }
  });
}

void instance::run_terminate_hooks(terminate_mode mode, std::size_t from,
                                   std::function<void()> done) {
  auto extensions = extensions_snapshot();
  if (from >= extensions.size()) return done();
  extensions[from]->on_terminate(mode, [self = shared_from_this(), mode, from, done = std::move(done)]() mutable {
    self->run_terminate_hooks(mode, from + 1, std::move(done));
  });
}

std::vector<std::shared_ptr<instance_extension>> instance::extensions_snapshot() {
  std::lock_guard lock(extensions_mutex_);
  std::vector<std::shared_ptr<instance_extension>> out;
  for (auto& [type, ext] : extensions_) out.push_back(ext);
  return out;
}

boost::system::error_code instance::databases_changeable() {
  for (auto& ext : extensions_snapshot()) {
    if (auto ec = ext->can_change_databases()) return ec;
  }
  return {};
}

boost::system::error_code instance::create_database_on_strand(const std::string& name) {
  if (auto ec = databases_changeable()) return ec;
  auto ec = storage_->create_database(name);
  publish_databases();
  return ec;
}

boost::system::error_code instance::attach_database_on_strand(const std::string& name) {
  if (auto ec = databases_changeable()) return ec;
  auto ec = storage_->attach_database(name);
  publish_databases();
  return ec;
}

void instance::detach_database_on_strand(const std::string& name, done_fn done) {
  if (auto ec = databases_changeable()) return done(ec);
  storage_->detach_database(name, [self = shared_from_this(), done = std::move(done)](
                                      boost::system::error_code ec) {
    self->publish_databases();
    done(ec);
  });
}

void instance::commit_on_strand(transaction t, done_fn done) {
  const bool durable = !t.lazy_flush();
  storage_->commit(std::move(t), durable, std::move(done));
}

std::optional<boost::system::error_code> instance::get_now_on_strand(const std::string& db, const std::string& key,
                                                                    std::string& value,
                                                                    std::optional<std::uint32_t>& wait_for) {
  return storage_->get_now(db, key, value, wait_for);
}

void instance::get_on_strand(const std::string& db, const std::string& key,
                             std::function<void(boost::system::error_code, std::string)> done,
                             std::optional<std::uint32_t> wait_for) {
  // done is async_on_strand's completion, which may be called from any thread.
  storage_->get(db, key, std::move(done), wait_for, true);
}

void instance::scan_on_strand(const std::string& db, const std::string& from,
                              const std::string& to, std::size_t limit, bool keys_only,
                              std::function<void(boost::system::error_code, entries)> done) {
  storage_->scan(db, from, to, limit, keys_only, std::move(done));
}

void instance::checkpoint_on_strand(done_fn done) { storage_->checkpoint(std::move(done)); }

storage_stats instance::stats_on_strand() { return storage_->stats(); }

void instance::publish_databases() {
  auto names = storage_ ? storage_->database_names() : std::vector<std::string>{};
  std::lock_guard lock(published_mutex_);
  published_databases_ = std::move(names);
}

std::vector<std::string> instance::database_names() const {
  std::lock_guard lock(published_mutex_);
  return published_databases_;
}

}  // namespace jetstrand
