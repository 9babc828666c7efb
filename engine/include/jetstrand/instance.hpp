#pragma once
// A storage instance (ESE's JET_INSTANCE): a directory of its own, locked against other
// processes, whose state lives on its own strand.
//
// Thread safety: every member function may be called from any thread at any time. Async
// calls post onto the strand; handlers without an associated executor run on the strand.
// Each async call honours its handler's bound cancellation slot while it waits for the
// strand (operation_aborted, nothing done); once started it runs to the end.

#include "jetstrand/detail/async_on_strand.hpp"
#include "jetstrand/detail/directory_lock.hpp"
#include "jetstrand/error.hpp"
#include "jetstrand/io/file_service.hpp"
#include "jetstrand/log.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace jetstrand {

// created -> starting -> running -> terminating -> terminated. Only `running` is "a running
// instance" in ESE's sense (SPEC S4).
enum class instance_state { created, starting, running, terminating, terminated };
std::string_view to_string(instance_state) noexcept;
std::ostream& operator<<(std::ostream&, instance_state);

// abrupt (the default): stops whatever is in progress (a backup is stopped and ended as
// aborted) and terminates. complete: refuses (-505) while a backup is open.
enum class terminate_mode { abrupt, complete };

namespace detail {
class instance_registry;
}

class instance : public std::enable_shared_from_this<instance> {
 public:
  using executor_type = boost::asio::strand<boost::asio::any_io_executor>;

  // Made by engine::create_instance; not by hosts directly.
  instance(std::string name, std::filesystem::path directory, executor_type strand,
           std::shared_ptr<io::file_service> files,
           std::shared_ptr<detail::instance_registry> registry);
  ~instance();
  instance(const instance&) = delete;
  instance& operator=(const instance&) = delete;

  const std::string& name() const noexcept { return name_; }
  const std::filesystem::path& directory() const noexcept { return directory_; }
  executor_type get_executor() const noexcept { return strand_; }

  // A snapshot for observers on other threads; the strand's view is authoritative.
  instance_state state() const noexcept { return published_state_.load(); }

  // ESE JetInit. void(error_code). created -> starting -> running: makes the directory and
  // locks it. Errors: -1030 if already initialised, -1003 if terminating or terminated,
  // -1032 if another process holds the directory, the system's error if it cannot be made.
  // A failed init leaves the instance `created` (it may be retried or terminated).
  template <typename Token>
  auto async_init(Token&& token) {
    return detail::async_on_strand(strand_, std::forward<Token>(token),
                                   [self = shared_from_this()](auto done) {
                                     done(self->init_on_strand());
                                   });
  }

  // ESE JetTerm2. void(error_code). -> terminating -> terminated: releases the directory and
  // removes the instance from its engine, which frees its name and its slot. Errors: -1003
  // if already terminating or terminated. (-505 for `complete` with a backup open comes
  // with the backup layer.)
  template <typename Token>
  auto async_terminate(terminate_mode mode, Token&& token) {
    return detail::async_on_strand(strand_, std::forward<Token>(token),
                                   [self = shared_from_this(), mode](auto done) {
                                     done(self->terminate_on_strand(mode));
                                   });
  }

  // Strand-only accessors for layers built on the engine (backup, storage). Calling them
  // off the strand is a data race.
  io::file_service& files() noexcept { return *files_; }
  logger& log() noexcept { return log_; }

 private:
  friend class engine;
  boost::system::error_code init_on_strand();
  boost::system::error_code terminate_on_strand(terminate_mode mode);
  void set_state(instance_state s) noexcept;

  const std::string name_;
  const std::filesystem::path directory_;
  const executor_type strand_;
  const std::shared_ptr<io::file_service> files_;
  const std::shared_ptr<detail::instance_registry> registry_;
  std::atomic<instance_state> published_state_{instance_state::created};

  // Strand state.
  instance_state state_ = instance_state::created;
  detail::directory_lock lock_;
  logger log_;
};

}  // namespace jetstrand
