// The streaming backup calls (streaming_backup.hpp) with their handlers erased: each one
// runs its session method on the instance's strand and completes the handler on its own
// executor (jetstrand::detail::async_on_strand).
#include "jetstrand/backup/streaming_backup.hpp"

#include "backup_session.hpp"
#include "backup_state.hpp"

#include "detail/async_on_strand.hpp"
#include "detail/pending_completion.hpp"

namespace jetstrand::backup::impl {

using jetstrand::detail::make_copyable;

namespace {
template <typename... Results, typename Handler, typename Work>
void on_session(const std::shared_ptr<instance>& inst, Handler&& h, Work work) {
  jetstrand::detail::async_on_strand<Results...>(inst->get_executor(), std::forward<Handler>(h),
                                                 [inst, work = std::move(work)](auto done) mutable {
                                                   work(inst->extension<backup_session>(), std::move(done));
                                                 });
}
}  // namespace

void begin_backup(std::shared_ptr<instance> inst, unsigned flags, handler<> h) {
  on_session(inst, std::move(h), [flags](backup_session& s, auto done) {
    s.begin(flags, [done = make_copyable(std::move(done))](error_code ec, const backup_status&) mutable { done(ec); });
  });
}

void begin_backup_with_status(std::shared_ptr<instance> inst, unsigned flags, handler<backup_status> h) {
  on_session<backup_status>(inst, std::move(h), [flags](backup_session& s, auto done) {
    s.begin(flags, make_copyable(std::move(done)));
  });
}

void attach_info(std::shared_ptr<instance> inst, handler<std::vector<std::string>> h) {
  on_session<std::vector<std::string>>(inst, std::move(h), [](backup_session& s, auto done) {
    std::vector<std::string> files;
    auto ec = s.attach_info(files);
    done(ec, std::move(files));
  });
}

void open_file(std::shared_ptr<instance> inst, std::string name, handler<std::uint32_t, std::uint64_t> h) {
  on_session<std::uint32_t, std::uint64_t>(inst, std::move(h), [name = std::move(name)](backup_session& s, auto done) {
    std::uint32_t handle = 0;
    std::uint64_t size = 0;
    auto ec = s.open(name, handle, size);
    done(ec, handle, size);
  });
}

void read_file(std::shared_ptr<instance> inst, std::uint32_t handle, boost::asio::mutable_buffer buffer,
               handler<std::size_t> h) {
  // Not async_on_strand: the read looks at the caller's cancellation between its chunks.
  using pending_t = jetstrand::detail::pending_completion<handler<std::size_t>, instance::executor_type>;
  auto pending = std::make_shared<pending_t>(std::move(h), inst->get_executor());
  boost::asio::post(inst->get_executor(), [inst, handle, buffer, pending] {
    inst->extension<backup_session>().read(
        handle, buffer, [pending] { return pending->cancelled(); },
        [pending](error_code ec, std::size_t n) { std::move(*pending).complete(ec, n); });
  });
}

void close_file(std::shared_ptr<instance> inst, std::uint32_t handle, handler<> h) {
  on_session(inst, std::move(h), [handle](backup_session& s, auto done) { done(s.close(handle)); });
}

void log_info(std::shared_ptr<instance> inst, handler<log_range> h) {
  on_session<log_range>(inst, std::move(h),
                        [](backup_session& s, auto done) { s.log_info(make_copyable(std::move(done))); });
}

void truncate_log_info(std::shared_ptr<instance> inst, handler<std::vector<std::string>> h) {
  on_session<std::vector<std::string>>(inst, std::move(h), [](backup_session& s, auto done) {
    std::vector<std::string> files;
    auto ec = s.truncate_log_info(files);
    done(ec, std::move(files));
  });
}

void truncate_log(std::shared_ptr<instance> inst, handler<> h) {
  on_session(inst, std::move(h), [](backup_session& s, auto done) { done(s.truncate_log()); });
}

void end_backup(std::shared_ptr<instance> inst, unsigned mode, handler<end_result> h) {
  on_session<end_result>(inst, std::move(h), [mode](backup_session& s, auto done) {
    end_result r = end_result::aborted;
    auto ec = s.end(mode, r);
    done(ec, r);
  });
}

void backup_status_of(std::shared_ptr<instance> inst, handler<std::optional<backup_status>> h) {
  on_session<std::optional<backup_status>>(inst, std::move(h),
                                           [](backup_session& s, auto done) { done(error_code{}, s.status()); });
}

void set_max_rate(std::shared_ptr<instance> inst, std::uint64_t bytes_per_second, handler<> h) {
  on_session(inst, std::move(h),
             [bytes_per_second](backup_session& s, auto done) { done(s.set_max_rate(bytes_per_second)); });
}

void set_backup_options(std::shared_ptr<instance> inst, backup_options options, handler<> h) {
  on_session(inst, std::move(h), [options](backup_session& s, auto done) {
    if (options.chunk_size == 0 || options.read_ahead == 0 || options.read_ahead > 4 || options.max_open_files == 0) {
      return done(jet_errc::invalid_parameter);
    }
    if (s.state().is_open()) return done(jet_errc::backup_in_progress);
    s.set_options(options);
    done(error_code{});
  });
}

void last_backup(std::shared_ptr<instance> inst, handler<std::optional<completed_backup>> h) {
  on_session<std::optional<completed_backup>>(
      inst, std::move(h), [](backup_session& s, auto done) { done(error_code{}, s.last_completed()); });
}

void stop_backup(std::shared_ptr<instance> inst, handler<> h) {
  // Announced from this thread at once (see backup_session::request_stop); the stop itself
  // runs on the strand.
  inst->shared_extension<backup_session>()->request_stop();
  jetstrand::detail::async_on_strand(inst->get_executor(), std::move(h), [inst](auto done) {
    auto& s = inst->extension<backup_session>();
    if (inst->state() != instance_state::running) {
      s.forget_stop_requests();
      return done(jet_errc::invalid_parameter);
    }
    s.stop();
    done(error_code{});
  });
}

void stop_backup(engine& eng, handler<> h) {
  jetstrand::detail::async_on_strand(eng.get_executor(), std::move(h), [&eng](auto done) {
    error_code ec;
    auto inst = eng.legacy_instance(ec);
    if (ec) return done(ec);
    stop_backup(std::move(inst), make_copyable(std::move(done)));
  });
}

}  // namespace jetstrand::backup::impl
