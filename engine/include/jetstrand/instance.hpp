#pragma once
// A storage instance (ESE's JET_INSTANCE): a directory of its own, locked against other
// processes, whose state lives on its own strand.
//
// Thread safety: every member function may be called from any thread at any time. Async
// calls post onto the strand; handlers without an associated executor run on the strand.
// Each async call honours its handler's bound cancellation slot while it waits for the
// strand (operation_aborted, nothing done); once started it runs to the end.
//
// Scheduling: a call made from one of the io_context's threads, while the strand is idle,
// runs on that same thread once the caller's handler returns, rather than waking another
// thread for it (Asio's relationship.continuation). A coroutine awaiting the call loses
// nothing, and a cached get skips a thread wake-up that costs more than the get itself.
// So never block an io_context thread waiting for a call's result (a future's get() in a
// handler): the call would wait for that very handler to return. Await it, or wait from a
// thread that does not run the io_context.
//
// Threads that wait for results (a host's request threads) should call with
// jetstrand::blocking (blocking.hpp): when the strand is idle, the call runs on the
// calling thread, inside the strand, and a get of resident pages returns without waking any
// other thread; a future costs two thread hand-offs.

#include "jetstrand/async_call.hpp"
#include "jetstrand/entries.hpp"
#include "jetstrand/error.hpp"
#include "jetstrand/log.hpp"
#include "jetstrand/storage_options.hpp"
#include "jetstrand/transaction.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <typeindex>
#include <string>
#include <utility>
#include <vector>

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
class directory_lock;
class caller_turnstile;
}
namespace io {
class file_service;
}
namespace storage {
class instance_storage;
}
class instance_extension;

class instance : public std::enable_shared_from_this<instance> {
 public:
  using executor_type = boost::asio::strand<boost::asio::any_io_executor>;

  // Made by engine::create_instance; not by hosts directly.
  instance(std::string name, std::filesystem::path directory, executor_type strand,
           std::shared_ptr<io::file_service> files,
           std::shared_ptr<detail::instance_registry> registry, storage_options storage);
  ~instance();
  instance(const instance&) = delete;
  instance& operator=(const instance&) = delete;

  const std::string& name() const noexcept { return name_; }
  const std::filesystem::path& directory() const noexcept { return directory_; }
  executor_type get_executor() const noexcept { return strand_; }

  // A snapshot for observers on other threads; the strand's view is authoritative.
  instance_state state() const noexcept { return published_state_.load(); }

  // ESE JetInit. void(error_code). created -> starting -> running: makes the directory,
  // locks it, opens the attached databases and replays the log (crash recovery). Errors:
  // -1030 if already initialised, -1003 if terminating or terminated, -1032 if another
  // process holds the directory, -1018/-1206 for a damaged database, -1022 for a damaged
  // checkpoint or log, the system's error for I/O. A failed init leaves the instance
  // `created` (it may be retried or terminated).
  template <typename Token>
  auto async_init(Token&& token) {
    return impl::initiate(std::forward<Token>(token),
                          [self = shared_from_this()](auto h) { self->init_impl(std::move(h)); });
  }

  // ESE JetTerm2. void(error_code). -> terminating -> terminated: waits for commits in
  // flight, writes a checkpoint, releases the directory and removes the instance from its
  // engine, which frees its name and its slot. Errors: -1003 if already terminating or
  // terminated; a checkpoint error is reported but the instance still terminates (its log
  // holds every commit). (-505 for `complete` with a backup open comes with the backup.)
  template <typename Token>
  auto async_terminate(terminate_mode mode, Token&& token) {
    return impl::initiate(std::forward<Token>(token), [self = shared_from_this(), mode](auto h) {
      self->terminate_impl(mode, std::move(h));
    });
  }

  // --- Databases (ESE JetCreateDatabase / JetAttachDatabase / JetDetachDatabase) ---
  // void(error_code). -1029 unless running; -505 while a backup is open; -1003 for an
  // invalid name; -1201 if it exists (create) or is attached (attach); -1203 if there is no
  // such database (attach, detach).
  template <typename Token>
  auto async_create_database(std::string name, Token&& token) {
    return impl::initiate(
        std::forward<Token>(token),
        [self = shared_from_this()](std::string n, auto h) { self->create_database_impl(std::move(n), std::move(h)); },
        std::move(name));
  }
  template <typename Token>
  auto async_attach_database(std::string name, Token&& token) {
    return impl::initiate(
        std::forward<Token>(token),
        [self = shared_from_this()](std::string n, auto h) { self->attach_database_impl(std::move(n), std::move(h)); },
        std::move(name));
  }
  // Checkpoints the database before it lets go of it.
  template <typename Token>
  auto async_detach_database(std::string name, Token&& token) {
    return impl::initiate(
        std::forward<Token>(token),
        [self = shared_from_this()](std::string n, auto h) { self->detach_database_impl(std::move(n), std::move(h)); },
        std::move(name));
  }
  // The attached databases, in name order (a snapshot; any thread).
  std::vector<std::string> database_names() const;

  // --- Data ---
  // void(error_code). Commits atomically: when the handler runs without error the
  // transaction is visible to reads and in the log on disk, durably (fdatasync'd) unless
  // the transaction asked for a lazy flush (transaction::set_lazy_flush): then it is durable
  // with the next durable commit, checkpoint or backup log roll, and at most one second
  // later; a crash before that loses it whole, never part of it. Errors: -1029 unless
  // running; -1203 unknown database; -1003 for an empty or over-255-byte key or a value over
  // max_value_size (64 MiB). An empty transaction commits trivially. Concurrent commits
  // share log flushes (group commit). Never blocks the strand on the disk: pages a commit
  // needs are read asynchronously first.
  template <typename Token>
  auto async_commit(transaction t, Token&& token) {
    return impl::initiate(
        std::forward<Token>(token),
        [self = shared_from_this()](transaction t, auto h) { self->commit_impl(std::move(t), std::move(h)); },
        std::move(t));
  }
  template <typename Token>
  auto async_put(std::string_view db, std::string_view key, std::string_view value, Token&& token) {
    transaction t;
    t.put(db, key, value);
    return async_commit(std::move(t), std::forward<Token>(token));
  }
  template <typename Token>
  auto async_erase(std::string_view db, std::string_view key, Token&& token) {
    transaction t;
    t.erase(db, key);
    return async_commit(std::move(t), std::forward<Token>(token));
  }
  // void(error_code, std::string). -1601 for a missing key; -1203, -1003 as above; -1018
  // for a page or long value that does not verify on disk. Pages not in the cache are read
  // asynchronously (the strand goes on with other work meanwhile).
  template <typename Token>
  auto async_get(std::string db, std::string key, Token&& token) {
    return impl::initiate<std::string>(
        std::forward<Token>(token),
        [self = shared_from_this()](std::string d, std::string k, auto h) {
          self->get_impl(std::move(d), std::move(k), std::move(h));
        },
        std::move(db), std::move(key));
  }
  using entries = jetstrand::entries;  // views into one block of bytes (see entries.hpp)
  // void(error_code, entries): keys in [from, to) in order (to empty: no bound), at most
  // `limit`. Not a snapshot: a commit that lands while the scan reads pages may be seen in
  // part, in key order.
  template <typename Token>
  auto async_scan(std::string db, std::string from, std::string to, std::size_t limit,
                  Token&& token) {
    return impl::initiate<entries>(
        std::forward<Token>(token),
        [self = shared_from_this(), limit](std::string d, std::string f, std::string t, auto h) {
          self->scan_impl(std::move(d), std::move(f), std::move(t), limit, false, std::move(h));
        },
        std::move(db), std::move(from), std::move(to));
  }
  // void(error_code, entries): as async_scan, keys only (values empty, long ones not read).
  template <typename Token>
  auto async_scan_keys(std::string db, std::string from, std::string to, std::size_t limit,
                       Token&& token) {
    return impl::initiate<entries>(
        std::forward<Token>(token),
        [self = shared_from_this(), limit](std::string d, std::string f, std::string t, auto h) {
          self->scan_impl(std::move(d), std::move(f), std::move(t), limit, true, std::move(h));
        },
        std::move(db), std::move(from), std::move(to));
  }
  // void(error_code): writes every dirty page now (it also happens in the background).
  template <typename Token>
  auto async_checkpoint(Token&& token) {
    return impl::initiate(std::forward<Token>(token),
                          [self = shared_from_this()](auto h) { self->checkpoint_impl(std::move(h)); });
  }
  // void(error_code, storage_stats).
  template <typename Token>
  auto async_stats(Token&& token) {
    return impl::initiate<storage_stats>(std::forward<Token>(token),
                                         [self = shared_from_this()](auto h) { self->stats_impl(std::move(h)); });
  }

  // Strand-only accessors for layers built on the engine (backup). Calling them off the
  // strand is a data race.
  io::file_service& files() noexcept { return *files_; }
  logger& log() noexcept { return log_; }
  storage::instance_storage* storage() noexcept { return storage_.get(); }
  // The instance's extension of type T (derived from instance_extension, constructible from
  // instance&), made on first use. Strand only: it lives until the instance terminates.
  template <typename T>
  T& extension() {
    return *shared_extension<T>();
  }
  // The same, from any thread; the pointer keeps it alive past a termination. Off the strand
  // only what T documents as thread-safe may be touched.
  template <typename T>
  std::shared_ptr<T> shared_extension() {
    std::lock_guard lock(extensions_mutex_);
    auto& slot = extensions_[std::type_index(typeid(T))];
    if (!slot) slot = std::make_shared<T>(*this);
    return std::static_pointer_cast<T>(slot);
  }

 private:
  friend class engine;
  using done_fn = std::function<void(boost::system::error_code)>;

  // The calls behind the public templates (instance_calls.cpp): each posts its work onto
  // the strand and honours the handler's cancellation slot until the work starts.
  void init_impl(impl::handler<> h);
  void terminate_impl(terminate_mode mode, impl::handler<> h);
  void create_database_impl(std::string name, impl::handler<> h);
  void attach_database_impl(std::string name, impl::handler<> h);
  void detach_database_impl(std::string name, impl::handler<> h);
  void commit_impl(transaction t, impl::handler<> h);
  void get_impl(std::string db, std::string key, impl::handler<std::string> h);
  void scan_impl(std::string db, std::string from, std::string to, std::size_t limit, bool keys_only,
                 impl::handler<entries> h);
  void checkpoint_impl(impl::handler<> h);
  void stats_impl(impl::handler<storage_stats> h);
  template <typename... Results, typename Work>
  void on_strand(impl::handler<Results...> h, Work work);
  // As on_strand, but fails with -1029 unless the instance is running.
  template <typename... Results, typename Work>
  void on_running(impl::handler<Results...> h, Work work);


  boost::system::error_code init_on_strand();
  void terminate_on_strand(terminate_mode mode, done_fn done);
  boost::system::error_code create_database_on_strand(const std::string& name);
  boost::system::error_code attach_database_on_strand(const std::string& name);
  void detach_database_on_strand(const std::string& name, done_fn done);
  void commit_on_strand(transaction t, done_fn done);
  // wait_for: the page a get that could not answer now waits for, passed on to get_on_strand.
  std::optional<boost::system::error_code> get_now_on_strand(const std::string& db, const std::string& key,
                                                            std::string& value, std::optional<std::uint32_t>& wait_for);
  void get_on_strand(const std::string& db, const std::string& key,
                     std::function<void(boost::system::error_code, std::string)> done,
                     std::optional<std::uint32_t> wait_for);
  void scan_on_strand(const std::string& db, const std::string& from, const std::string& to,
                      std::size_t limit, bool keys_only,
                      std::function<void(boost::system::error_code, entries)> done);
  void checkpoint_on_strand(done_fn done);
  storage_stats stats_on_strand();
  void publish_databases();
  boost::system::error_code databases_changeable();
  void set_state(instance_state s) noexcept;

  const std::string name_;
  const std::filesystem::path directory_;
  const executor_type strand_;
  // Lets threads that wait for their calls (jetstrand::blocking) enter the strand one after
  // the other on their own threads (detail/caller_turnstile.hpp). Any thread, no strand.
  const std::unique_ptr<detail::caller_turnstile> waiting_callers_;
  const std::shared_ptr<io::file_service> files_;
  const std::shared_ptr<detail::instance_registry> registry_;
  std::atomic<instance_state> published_state_{instance_state::created};

  const storage_options storage_options_;
  mutable std::mutex published_mutex_;
  std::vector<std::string> published_databases_;

  // Strand state.
  instance_state state_ = instance_state::created;
  std::unique_ptr<detail::directory_lock> lock_;  // held while the instance runs
  logger log_;
  std::unique_ptr<storage::instance_storage> storage_;
  std::vector<std::shared_ptr<instance_extension>> extensions_snapshot();
  std::mutex extensions_mutex_;  // guards the map (made from any thread, see shared_extension)
  std::map<std::type_index, std::shared_ptr<instance_extension>> extensions_;
  void run_terminate_hooks(terminate_mode mode, std::size_t from, std::function<void()> done);
};

}  // namespace jetstrand
