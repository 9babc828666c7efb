#pragma once
// The engine: the table of instances, in ESE's one-instance or multi-instance mode.
//
// Threads: the engine runs on an executor the host gives it (typically its io_context's),
// or, constructed from options alone, on an io_context of its own run by one thread of its
// own. Apart from that thread and the file thread pool (io::file_service) it starts none.
// Every member function may be called from any thread at any time.

#include "jetstrand/async_call.hpp"
#include "jetstrand/error.hpp"
#include "jetstrand/instance.hpp"
#include "jetstrand/file_backend.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace jetstrand {

// one: ESE's legacy mode, at most one instance at a time; the instance-less legacy calls
// (JetStopBackup) address it. multi: up to max_instances named instances; the legacy calls
// fail with -1081.
enum class instance_mode { multi, one };
std::string_view to_string(instance_mode) noexcept;

struct engine_options {
  std::filesystem::path data_dir = "jetstrand-data";  // instances live in data_dir/<name>
  instance_mode mode = instance_mode::multi;
  std::size_t max_instances = 16;
  io::backend_kind file_backend = io::backend_kind::automatic;
  std::size_t file_threads = 2;
  storage_options storage;  // for every instance
  // The page cache's budget in bytes, for every instance together: each running instance
  // gets an equal share. Pages are charged their size plus a small fixed bookkeeping cost.
  // At least 256 KiB (the engine throws -1003 below that).
  std::size_t cache_size = std::size_t{256} << 20;
};

namespace detail {
class instance_registry;
}

class engine {
 public:
  // Throws boost::system::system_error for bad options (max_instances of 0, a file backend
  // that cannot be had).
  engine(boost::asio::any_io_executor executor, engine_options options);
  // Standalone: an io_context of its own, run by one thread of its own until destruction.
  explicit engine(engine_options options);
  // Terminates (abruptly) whatever instances are still registered and waits for it when the
  // engine runs standalone; with a host executor, call async_shutdown first and let it
  // complete (instances the destructor finds still registered are terminated on their
  // strands, and keep alive what they need).
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  boost::asio::any_io_executor get_executor() const noexcept { return executor_; }
  const engine_options& options() const noexcept { return options_; }
  io::backend_kind file_backend() const noexcept;  // the one in use, never automatic

  // ESE JetCreateInstance: registers a new instance in state `created`. Errors, in order:
  // -1003 invalid name (see names.hpp); -1080 one-instance mode with an instance already
  // registered; -1086 the name is in use; -1214 max_instances registered. Registration and
  // its checks are atomic: concurrent calls never exceed the limits or share a name.
  std::shared_ptr<instance> create_instance(std::string_view name,
                                            boost::system::error_code& ec);

  // create_instance then async_init; a failed init unregisters the instance again, before
  // the handler runs. void(error_code, std::shared_ptr<instance>). Cancelled before it
  // starts: operation_aborted and nothing registered.
  template <typename Token>
  auto async_create_instance(std::string_view name, Token&& token);

  // What async_open_instances found.
  struct open_report {
    std::vector<std::shared_ptr<instance>> opened;  // newly registered, in name order
    std::string failed;                             // the instance that failed, if one did
  };
  // Opens (and recovers) every instance directory under data_dir that is not registered
  // yet, in name order, as async_create_instance does: a restart, a crash or a restore
  // never hides an instance. An instance directory is a folder with a valid instance name
  // holding a checkpoint, logs/ or databases/. Stops at the first failure (the error, with
  // `failed` naming the instance; those opened before it stay open): for example -1032
  // when another process holds it, -1080 for a second one in one-instance mode.
  // void(error_code, open_report).
  template <typename Token>
  auto async_open_instances(Token&& token);

  // The registered instance of that name (in any state but terminated), or nullptr.
  std::shared_ptr<instance> find_instance(std::string_view name) const;
  // The registered instances, in name order.
  std::vector<std::shared_ptr<instance>> instances() const;

  // For the instance-less legacy calls: -1081 in multi-instance mode, -1003 when no instance
  // is registered, else the one instance.
  std::shared_ptr<instance> legacy_instance(boost::system::error_code& ec) const;

  // Terminates every registered instance (abrupt). void(error_code): the first error.
  template <typename Token>
  auto async_shutdown(Token&& token);

 private:
  // The calls behind the templates above (engine.cpp).
  void create_instance_impl(std::string name, impl::handler<std::shared_ptr<instance>> h);
  void open_instances_impl(impl::handler<open_report> h);
  void shutdown_impl(impl::handler<> h);
  void shutdown_all(std::function<void(boost::system::error_code)> done);
  void open_instances(std::function<void(boost::system::error_code, open_report)> done);

  engine_options options_;
  std::unique_ptr<boost::asio::io_context> own_context_;
  boost::asio::any_io_executor executor_;
  std::shared_ptr<io::file_service> files_;
  std::shared_ptr<detail::instance_registry> registry_;
  std::thread own_thread_;
};

template <typename Token>
auto engine::async_create_instance(std::string_view name, Token&& token) {
  return impl::initiate<std::shared_ptr<instance>>(
      std::forward<Token>(token), [this](std::string n, auto h) { create_instance_impl(std::move(n), std::move(h)); },
      std::string(name));
}

template <typename Token>
auto engine::async_open_instances(Token&& token) {
  return impl::initiate<open_report>(std::forward<Token>(token),
                                     [this](auto h) { open_instances_impl(std::move(h)); });
}

template <typename Token>
auto engine::async_shutdown(Token&& token) {
  return impl::initiate(std::forward<Token>(token), [this](auto h) { shutdown_impl(std::move(h)); });
}

}  // namespace jetstrand
