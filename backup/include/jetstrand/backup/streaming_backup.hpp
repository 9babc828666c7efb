#pragma once
// The ESE streaming backup of an instance (SPEC §3) and its termination, JetStopBackup /
// JetStopBackupInstance (S1-S9). Every call takes any Asio completion token, may be made
// from any thread, runs on the instance's strand, and completes on the handler's associated
// executor (default: the strand). Errors are checked in the order of SPEC §3's table; a
// failing call changes nothing.
//
// After a stop, every backup call fails with -801 (JET_errBackupAbortByServer) except
// close and end (S5, S7, S8); reads already in flight complete with -801, reporting the
// bytes they delivered, as soon as the stop runs on the strand (no wait for I/O in the
// kernel), and none delivers a byte after the stop call. A read cancelled through the caller's own bound slot
// completes with operation_aborted (bytes delivered) and leaves the backup usable.

#include "jetstrand/backup/backup_session.hpp"
#include "jetstrand/detail/async_on_strand.hpp"
#include "jetstrand/engine.hpp"

#include <memory>

namespace jetstrand::backup {

namespace detail {
template <typename... Results, typename Token, typename Work>
auto on_session(const std::shared_ptr<instance>& inst, Token&& token, Work work) {
  return jetstrand::detail::async_on_strand<Results...>(
      inst->get_executor(), std::forward<Token>(token),
      [inst, work = std::move(work)](auto done) mutable {
        work(inst->extension<backup_session>(), std::move(done));
      });
}
}  // namespace detail

// void(error_code). Opens a backup (JetBeginExternalBackupInstance). A full backup first
// checkpoints and pins a snapshot of every attached database; a stop during that checkpoint
// completes the begin at once (the backup open and stopped: end it), and so does an end
// (the backup is then over). Every begin completes exactly once, with its own result.
template <typename Token>
auto async_begin_backup(std::shared_ptr<instance> inst, unsigned flags, Token&& token) {
  return detail::on_session(inst, std::forward<Token>(token), [flags](backup_session& s, auto done) {
    s.begin(flags, [done = jetstrand::detail::make_copyable(std::move(done))](
                       boost::system::error_code ec, const backup_status&) mutable { done(ec); });
  });
}

// void(error_code, backup_status): async_begin_backup, with the status of the backup this
// begin opened, taken on the strand as it completed (not that of a later backup). Its state
// is `ended` when an end came before the begin completed.
template <typename Token>
auto async_begin_backup_with_status(std::shared_ptr<instance> inst, unsigned flags, Token&& token) {
  return detail::on_session<backup_status>(inst, std::forward<Token>(token), [flags](backup_session& s, auto done) {
    s.begin(flags, jetstrand::detail::make_copyable(std::move(done)));
  });
}

// void(error_code, std::vector<std::string>): the database files to copy.
template <typename Token>
auto async_attach_info(std::shared_ptr<instance> inst, Token&& token) {
  return detail::on_session<std::vector<std::string>>(inst, std::forward<Token>(token), [](backup_session& s, auto done) {
    std::vector<std::string> files;
    auto ec = s.attach_info(files);
    done(ec, std::move(files));
  });
}

// void(error_code, std::uint32_t handle, std::uint64_t size).
template <typename Token>
auto async_open_file(std::shared_ptr<instance> inst, std::string name, Token&& token) {
  return detail::on_session<std::uint32_t, std::uint64_t>(
      inst, std::forward<Token>(token), [name = std::move(name)](backup_session& s, auto done) {
        std::uint32_t h = 0;
        std::uint64_t size = 0;
        auto ec = s.open(name, h, size);
        done(ec, h, size);
      });
}

// void(error_code, std::size_t): fills `buffer` from the file's position; 0 at the end.
// Database buffers must be whole pages (-1003); one read at a time per handle (-1003). Every
// database page is verified (re-read, then -1018). A stop completes it at once with -801 and
// the bytes delivered, also while it waits for the disk or the rate limit; the caller's own
// cancellation ends it between chunks with operation_aborted. The buffer must stay valid
// until completion.
template <typename Token>
auto async_read_file(std::shared_ptr<instance> inst, std::uint32_t handle,
                     boost::asio::mutable_buffer buffer, Token&& token) {
  return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
      [](auto handler, std::shared_ptr<instance> inst, std::uint32_t handle,
         boost::asio::mutable_buffer buffer) {
        using pending_t = jetstrand::detail::pending_completion<decltype(handler), instance::executor_type>;
        auto pending = std::make_shared<pending_t>(std::move(handler), inst->get_executor());
        boost::asio::post(inst->get_executor(), [inst, handle, buffer, pending] {
          inst->extension<backup_session>().read(
              handle, buffer, [pending] { return pending->cancelled(); },
              [pending](boost::system::error_code ec, std::size_t n) {
                std::move(*pending).complete(ec, n);
              });
        });
      },
      token, std::move(inst), handle, buffer);
}

// void(error_code). Allowed after a stop.
template <typename Token>
auto async_close_file(std::shared_ptr<instance> inst, std::uint32_t handle, Token&& token) {
  return detail::on_session(inst, std::forward<Token>(token),
                            [handle](backup_session& s, auto done) { done(s.close(handle)); });
}

// void(error_code, log_range). Rolls the log the first time; later calls return the same range.
template <typename Token>
auto async_log_info(std::shared_ptr<instance> inst, Token&& token) {
  return detail::on_session<log_range>(inst, std::forward<Token>(token), [](backup_session& s, auto done) {
    s.log_info(jetstrand::detail::make_copyable(std::move(done)));
  });
}

// void(error_code, std::vector<std::string>): the logs truncation would delete.
template <typename Token>
auto async_truncate_log_info(std::shared_ptr<instance> inst, Token&& token) {
  return detail::on_session<std::vector<std::string>>(inst, std::forward<Token>(token), [](backup_session& s, auto done) {
    std::vector<std::string> files;
    auto ec = s.truncate_log_info(files);
    done(ec, std::move(files));
  });
}

// void(error_code).
template <typename Token>
auto async_truncate_log(std::shared_ptr<instance> inst, Token&& token) {
  return detail::on_session(inst, std::forward<Token>(token),
                            [](backup_session& s, auto done) { done(s.truncate_log()); });
}

// void(error_code, end_result). Allowed after a stop; aborted if stopped or still in the
// database phase; releases everything and clears the stop.
template <typename Token>
auto async_end_backup(std::shared_ptr<instance> inst, unsigned mode, Token&& token) {
  return detail::on_session<end_result>(inst, std::forward<Token>(token), [mode](backup_session& s, auto done) {
    end_result r = end_result::aborted;
    auto ec = s.end(mode, r);
    done(ec, r);
  });
}

// void(error_code, std::optional<backup_status>): the open backup's progress, or nullopt.
template <typename Token>
auto async_backup_status(std::shared_ptr<instance> inst, Token&& token) {
  return detail::on_session<std::optional<backup_status>>(
      inst, std::forward<Token>(token),
      [](backup_session& s, auto done) { done(boost::system::error_code{}, s.status()); });
}

// void(error_code). Limits the open backup's reads to `bytes_per_second` over every file
// together (0: unlimited; every backup begins unlimited), at once: reads waiting under the
// old limit are paced again. A stop ends reads waiting under the limit at once, like any
// other read (-801). Errors: -520 with no backup open.
template <typename Token>
auto async_set_max_rate(std::shared_ptr<instance> inst, std::uint64_t bytes_per_second, Token&& token) {
  return detail::on_session(inst, std::forward<Token>(token), [bytes_per_second](backup_session& s, auto done) {
    done(s.set_max_rate(bytes_per_second));
  });
}

// void(error_code, std::optional<completed_backup>): the instance's last completed backup
// (full or incremental), or nullopt if none ended completed since its databases were made.
template <typename Token>
auto async_last_backup(std::shared_ptr<instance> inst, Token&& token) {
  return detail::on_session<std::optional<completed_backup>>(
      inst, std::forward<Token>(token),
      [](backup_session& s, auto done) { done(boost::system::error_code{}, s.last_completed()); });
}

// JetStopBackupInstance. void(error_code). -1003 (and nothing changes) unless the instance
// is running (S4, S6); otherwise sets the stop and cancels every read in flight (S1, S5).
// Idempotent; with no backup open it has no effect on a later backup.
//
// The stop is announced to the read chains from the calling thread at once (see
// backup_session::request_stop), so chunks already queued on the strand are not verified
// or delivered; the stop itself, and every cancellation it emits, runs on the strand.
template <typename Token>
auto async_stop_backup(std::shared_ptr<instance> inst, Token&& token) {
  return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
      [](auto handler, std::shared_ptr<instance> inst) {
        inst->shared_extension<backup_session>()->request_stop();
        jetstrand::detail::async_on_strand(inst->get_executor(), std::move(handler), [inst](auto done) {
          auto& s = inst->extension<backup_session>();
          if (inst->state() != instance_state::running) {
            s.forget_stop_requests();
            return done(jet_errc::invalid_parameter);
          }
          s.stop();
          done(boost::system::error_code{});
        });
      },
      token, std::move(inst));
}

// JetStopBackup, the legacy instance-less call (S2, S3): -1081 in multi-instance mode,
// -1003 when there is no instance, else the stop of the one instance.
template <typename Token>
auto async_stop_backup(engine& eng, Token&& token) {
  return jetstrand::detail::async_on_strand(
      eng.get_executor(), std::forward<Token>(token), [&eng](auto done) {
        boost::system::error_code ec;
        auto inst = eng.legacy_instance(ec);
        if (ec) return done(ec);
        async_stop_backup(std::move(inst), jetstrand::detail::make_copyable(std::move(done)));
      });
}

}  // namespace jetstrand::backup
