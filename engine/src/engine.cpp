#include "jetstrand/engine.hpp"

#include "detail/async_on_strand.hpp"
#include "detail/caller_turn.hpp"
#include "instance_registry.hpp"
#include "io/file_service.hpp"
#include "jetstrand/names.hpp"

#include <boost/asio/execution/relationship.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <future>

namespace jetstrand {

std::string_view to_string(instance_mode m) noexcept {
  return m == instance_mode::one ? "one" : "multi";
}

namespace {

engine_options checked(engine_options o) {
  if (o.max_instances == 0) {
    throw boost::system::system_error(make_error_code(jet_errc::invalid_parameter),
                                      "engine_options::max_instances must be at least 1");
  }
  if (o.cache_size < (std::size_t{256} << 10)) {
    throw boost::system::system_error(make_error_code(jet_errc::invalid_parameter),
                                      "engine_options::cache_size must be at least 256 KiB");
  }
  if (o.mode == instance_mode::one) o.max_instances = 1;
  return o;
}

// An instance's strand, on the host's executor preferring relationship.continuation: when
// the strand re-posts itself on one of the io_context's threads after a turn with more work
// queued, its next turn is queued on that same thread instead of waking another (why:
// strand_entry in detail/async_on_strand.hpp). The order of work is unchanged. Measured in
// the README's Storage section.
// Around it, the executor that lets a jetstrand::blocking call run an idle strand's turn on
// its own thread (detail/caller_turn.hpp).
instance::executor_type instance_strand(const boost::asio::any_io_executor& executor) {
  auto around = [](auto host) {
    using around_host = detail::caller_turn_executor<decltype(host)>;
    return boost::asio::make_strand(boost::asio::any_io_executor(around_host(typename around_host::around{host})));
  };
  // An io_context's executor is wrapped as itself, not erased: the wrapper then fits in the
  // any_io_executor's own storage, where a wrapped any_io_executor took an allocation each
  // time a call asked the strand for another property (a get's entry asks twice).
  if (const auto* io = executor.target<boost::asio::io_context::executor_type>()) {
    return around(boost::asio::prefer(*io, boost::asio::execution::relationship.continuation));
  }
  return around(boost::asio::prefer(executor, boost::asio::execution::relationship.continuation));
}

}  // namespace

engine::engine(boost::asio::any_io_executor executor, engine_options options)
    : options_(checked(std::move(options))),
      executor_(std::move(executor)),
      files_(std::make_shared<io::file_service>(executor_, options_.file_backend,
                                                options_.file_threads)),
      registry_(std::make_shared<detail::instance_registry>(
          options_.mode, options_.max_instances, options_.cache_size)) {}

engine::engine(engine_options options)
    : options_(checked(std::move(options))),
      own_context_(std::make_unique<boost::asio::io_context>(1)),
      executor_(own_context_->get_executor()),
      files_(std::make_shared<io::file_service>(executor_, options_.file_backend,
                                                options_.file_threads)),
      registry_(std::make_shared<detail::instance_registry>(
          options_.mode, options_.max_instances, options_.cache_size)) {
  own_thread_ = std::thread([ctx = own_context_.get()] {
    auto guard = boost::asio::make_work_guard(*ctx);
    ctx->run();
  });
}

engine::~engine() {
  if (own_context_) {
    std::promise<void> finished;
    async_shutdown([&](boost::system::error_code) { finished.set_value(); });
    finished.get_future().wait();
    own_context_->stop();
    own_thread_.join();
    return;
  }
  for (auto& inst : registry_->all()) {
    inst->async_terminate(terminate_mode::abrupt, [](boost::system::error_code) {});
  }
}

io::backend_kind engine::file_backend() const noexcept { return files_->kind(); }

std::shared_ptr<instance> engine::create_instance(std::string_view name,
                                                  boost::system::error_code& ec) {
  return registry_->add(
      name,
      [&] {
        return std::make_shared<instance>(std::string(name), options_.data_dir / name,
                                          instance_strand(executor_), files_,
                                          registry_, options_.storage);
      },
      ec);
}

std::shared_ptr<instance> engine::find_instance(std::string_view name) const {
  return registry_->find(name);
}

std::vector<std::shared_ptr<instance>> engine::instances() const { return registry_->all(); }

std::shared_ptr<instance> engine::legacy_instance(boost::system::error_code& ec) const {
  return registry_->legacy(ec);
}

namespace {

// Instance directories under data_dir, in name order (see async_open_instances).
std::vector<std::string> instance_directories(const std::filesystem::path& data_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(data_dir, ec)) {
    std::error_code sec;
    if (!e.is_directory(sec)) continue;
    auto name = e.path().filename().string();
    if (!is_valid_name(name)) continue;
    const auto& d = e.path();
    if (std::filesystem::exists(d / "checkpoint", sec) || std::filesystem::is_directory(d / "logs", sec) ||
        std::filesystem::is_directory(d / "databases", sec)) {
      names.push_back(std::move(name));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

void engine::create_instance_impl(std::string name, impl::handler<std::shared_ptr<instance>> h) {
  using boost::system::error_code;
  // Registration happens inside the work, so a cancellation that wins leaves nothing behind.
  detail::async_on_strand<std::shared_ptr<instance>>(executor_, std::move(h), [this, name = std::move(name)](auto done) {
    error_code ec;
    auto inst = create_instance(name, ec);
    if (ec) {
      done(ec, nullptr);
      return;
    }
    inst->async_init([inst, done = std::move(done)](error_code ec) mutable {
      // On the instance's strand: a failed init unregisters before the caller hears.
      if (ec) {
        // Nothing was opened, so this completes at once and unregisters the instance.
        inst->terminate_on_strand(terminate_mode::abrupt, [](error_code) {});
        done(ec, nullptr);
      } else {
        done(ec, std::move(inst));
      }
    });
  });
}

void engine::open_instances_impl(impl::handler<open_report> h) {
  detail::async_on_strand<open_report>(executor_, std::move(h), [this](auto done) {
    open_instances(detail::make_copyable(std::move(done)));
  });
}

void engine::shutdown_impl(impl::handler<> h) {
  detail::async_on_strand(executor_, std::move(h), [this](auto done) {
    shutdown_all(detail::make_copyable(std::move(done)));
  });
}

void engine::open_instances(std::function<void(boost::system::error_code, open_report)> done) {
  struct opening {
    engine* eng;
    std::vector<std::string> names;
    std::size_t next = 0;
    open_report report;
    std::function<void(boost::system::error_code, open_report)> done;

    static void step(std::shared_ptr<opening> self) {
      while (self->next < self->names.size() && self->eng->find_instance(self->names[self->next])) {
        ++self->next;  // registered already
      }
      if (self->next == self->names.size()) return self->done({}, std::move(self->report));
      const auto name = self->names[self->next++];
      self->eng->async_create_instance(
          name, [self, name](boost::system::error_code ec, std::shared_ptr<instance> inst) {
            if (ec) {
              self->report.failed = name;
              return self->done(ec, std::move(self->report));
            }
            self->report.opened.push_back(std::move(inst));
            step(self);
          });
    }
  };
  auto o = std::make_shared<opening>();
  o->eng = this;
  o->names = instance_directories(options_.data_dir);
  o->done = std::move(done);
  opening::step(std::move(o));
}

void engine::shutdown_all(std::function<void(boost::system::error_code)> done) {
  struct countdown {
    std::mutex mutex;
    std::size_t left;
    boost::system::error_code first;
    std::function<void(boost::system::error_code)> done;
  };
  auto all = registry_->all();
  if (all.empty()) {
    done(boost::system::error_code{});
    return;
  }
  auto state = std::make_shared<countdown>();
  state->left = all.size();
  state->done = std::move(done);
  for (auto& inst : all) {
    inst->async_terminate(terminate_mode::abrupt, [state](boost::system::error_code ec) {
      std::unique_lock lock(state->mutex);
      // Someone else terminating the same instance concurrently is not a shutdown failure.
      if (ec && ec != jet_errc::invalid_parameter && !state->first) state->first = ec;
      if (--state->left == 0) {
        auto done = std::move(state->done);
        auto first = state->first;
        lock.unlock();
        done(first);
      }
    });
  }
}

}  // namespace jetstrand
