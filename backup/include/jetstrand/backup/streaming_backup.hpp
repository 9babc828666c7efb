#pragma once
// The ESE streaming backup of an instance (SPEC §3) and its termination, JetStopBackup /
// JetStopBackupInstance (S1-S9). Every call takes any Asio completion token, may be made
// from any thread, runs on the instance's strand, and completes on the handler's associated
// executor (default: the strand). Errors are checked in the order of SPEC §3's table; a
// failing call changes nothing. A cancellation emitted on the handler's slot before the
// call reaches the strand completes it with operation_aborted and changes nothing; a read
// also honours it between chunks (see async_read_file).
//
// After a stop, every backup call fails with -801 (JET_errBackupAbortByServer) except
// close and end (S5, S7, S8); reads already in flight complete with -801, reporting the
// bytes they delivered, as soon as the stop runs on the strand (no wait for I/O in the
// kernel), and none delivers a byte after the stop call. A read cancelled through the caller's own bound
// slot completes with operation_aborted (bytes delivered) and leaves the backup usable.

#include "jetstrand/backup/backup_status.hpp"
#include "jetstrand/backup/backup_types.hpp"
#include "jetstrand/async_call.hpp"
#include "jetstrand/engine.hpp"

#include <boost/asio/buffer.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace jetstrand::backup {

// The calls behind the templates below, compiled once in the library (streaming_backup.cpp);
// the templates only erase the handler's type.
namespace impl {
using boost::system::error_code;
using jetstrand::impl::handler;
using jetstrand::impl::initiate;

void begin_backup(std::shared_ptr<instance> inst, unsigned flags, handler<> h);
void begin_backup_with_status(std::shared_ptr<instance> inst, unsigned flags, handler<backup_status> h);
void attach_info(std::shared_ptr<instance> inst, handler<std::vector<std::string>> h);
void open_file(std::shared_ptr<instance> inst, std::string name, handler<std::uint32_t, std::uint64_t> h);
void read_file(std::shared_ptr<instance> inst, std::uint32_t handle, boost::asio::mutable_buffer buffer,
               handler<std::size_t> h);
void close_file(std::shared_ptr<instance> inst, std::uint32_t handle, handler<> h);
void log_info(std::shared_ptr<instance> inst, handler<log_range> h);
void truncate_log_info(std::shared_ptr<instance> inst, handler<std::vector<std::string>> h);
void truncate_log(std::shared_ptr<instance> inst, handler<> h);
void end_backup(std::shared_ptr<instance> inst, unsigned mode, handler<end_result> h);
void backup_status_of(std::shared_ptr<instance> inst, handler<std::optional<backup_status>> h);
void set_max_rate(std::shared_ptr<instance> inst, std::uint64_t bytes_per_second, handler<> h);
void set_backup_options(std::shared_ptr<instance> inst, backup_options options, handler<> h);
void last_backup(std::shared_ptr<instance> inst, handler<std::optional<completed_backup>> h);
void stop_backup(std::shared_ptr<instance> inst, handler<> h);
void stop_backup(engine& eng, handler<> h);

}  // namespace impl

// void(error_code). Opens a backup (JetBeginExternalBackupInstance). A full backup first
// checkpoints and pins a snapshot of every attached database; a stop during that checkpoint
// completes the begin at once (the backup open and stopped: end it), and so does an end
// (the backup is then over). Every begin completes exactly once, with its own result.
// Errors: -1003 instance not running, -523 starting or terminating, -900 an unknown flag,
// -505 a backup already open, -560 an incremental when a database was never fully backed up.
template <typename Token>
auto async_begin_backup(std::shared_ptr<instance> inst, unsigned flags, Token&& token) {
  return impl::initiate(std::forward<Token>(token),
                        [](auto inst, unsigned f, auto h) { impl::begin_backup(std::move(inst), f, std::move(h)); },
                        std::move(inst), flags);
}

// void(error_code, backup_status): async_begin_backup, with the status of the backup this
// begin opened, taken on the strand as it completed (not that of a later backup). Its state
// is `ended` when an end came before the begin completed.
template <typename Token>
auto async_begin_backup_with_status(std::shared_ptr<instance> inst, unsigned flags, Token&& token) {
  return impl::initiate<backup_status>(
      std::forward<Token>(token),
      [](auto inst, unsigned f, auto h) { impl::begin_backup_with_status(std::move(inst), f, std::move(h)); },
      std::move(inst), flags);
}

// void(error_code, std::vector<std::string>): the database files to copy. -520 without a
// backup, -801 after a stop, -521 in an incremental backup.
template <typename Token>
auto async_attach_info(std::shared_ptr<instance> inst, Token&& token) {
  return impl::initiate<std::vector<std::string>>(
      std::forward<Token>(token), [](auto inst, auto h) { impl::attach_info(std::move(inst), std::move(h)); },
      std::move(inst));
}

// void(error_code, std::uint32_t handle, std::uint64_t size). Opens a database (after
// attach-info) or a log of the range (after log-info) at position 0. Errors: -520, -801,
// -1003 an empty or bad name, -521 a database after log-info or in an incremental, -1811
// unknown, -1020 too many open files.
template <typename Token>
auto async_open_file(std::shared_ptr<instance> inst, std::string name, Token&& token) {
  return impl::initiate<std::uint32_t, std::uint64_t>(
      std::forward<Token>(token),
      [](auto inst, std::string n, auto h) { impl::open_file(std::move(inst), std::move(n), std::move(h)); },
      std::move(inst), std::move(name));
}

// void(error_code, std::size_t): fills `buffer` from the file's position; 0 at the end.
// -520, -801, -1003 a bad handle. Database buffers must be whole pages (-1003); one read
// at a time per handle (-1003). Every
// database page is verified (re-read, then -1018). A buffer of several chunks is read
// ahead (backup_options). A stop completes it at once with -801 and the bytes delivered,
// also while it waits for the disk or the rate limit; the caller's own cancellation ends it
// between chunks with operation_aborted. The buffer must stay valid until completion; no
// byte is written to it after completion.
template <typename Token>
auto async_read_file(std::shared_ptr<instance> inst, std::uint32_t handle, boost::asio::mutable_buffer buffer,
                     Token&& token) {
  return impl::initiate<std::size_t>(
      std::forward<Token>(token),
      [](auto inst, std::uint32_t h, boost::asio::mutable_buffer b, auto done) {
        impl::read_file(std::move(inst), h, b, std::move(done));
      },
      std::move(inst), handle, buffer);
}

// void(error_code). Allowed after a stop. -520, -1003 a bad handle.
template <typename Token>
auto async_close_file(std::shared_ptr<instance> inst, std::uint32_t handle, Token&& token) {
  return impl::initiate(std::forward<Token>(token),
                        [](auto inst, std::uint32_t h, auto done) { impl::close_file(std::move(inst), h, std::move(done)); },
                        std::move(inst), handle);
}

// void(error_code, log_range). Rolls the log the first time; later calls return the same
// range. -520, -801, -521 a file still open.
template <typename Token>
auto async_log_info(std::shared_ptr<instance> inst, Token&& token) {
  return impl::initiate<log_range>(std::forward<Token>(token),
                                   [](auto inst, auto h) { impl::log_info(std::move(inst), std::move(h)); },
                                   std::move(inst));
}

// void(error_code, std::vector<std::string>): the logs truncation would delete. -520, -801.
template <typename Token>
auto async_truncate_log_info(std::shared_ptr<instance> inst, Token&& token) {
  return impl::initiate<std::vector<std::string>>(
      std::forward<Token>(token), [](auto inst, auto h) { impl::truncate_log_info(std::move(inst), std::move(h)); },
      std::move(inst));
}

// void(error_code). Deletes the logs older than both the checkpoint and the copy range.
// -520, -801, -521 files open or no log-info yet, -616 a log of the range not read to its end.
template <typename Token>
auto async_truncate_log(std::shared_ptr<instance> inst, Token&& token) {
  return impl::initiate(std::forward<Token>(token),
                        [](auto inst, auto h) { impl::truncate_log(std::move(inst), std::move(h)); }, std::move(inst));
}

// void(error_code, end_result). Allowed after a stop; aborted if stopped or still in the
// database phase; releases everything and clears the stop. -520 without a backup, -1003
// both or neither mode.
template <typename Token>
auto async_end_backup(std::shared_ptr<instance> inst, unsigned mode, Token&& token) {
  return impl::initiate<end_result>(
      std::forward<Token>(token),
      [](auto inst, unsigned m, auto h) { impl::end_backup(std::move(inst), m, std::move(h)); }, std::move(inst),
      mode);
}

// void(error_code, std::optional<backup_status>): the open backup's progress, or nullopt.
template <typename Token>
auto async_backup_status(std::shared_ptr<instance> inst, Token&& token) {
  return impl::initiate<std::optional<backup_status>>(
      std::forward<Token>(token), [](auto inst, auto h) { impl::backup_status_of(std::move(inst), std::move(h)); },
      std::move(inst));
}

// void(error_code). Limits the open backup's reads to `bytes_per_second` over every file
// together (0: unlimited; every backup begins unlimited), at once: reads waiting under the
// old limit are paced again. A stop ends reads waiting under the limit at once, like any
// other read (-801). Errors: -520 with no backup open.
template <typename Token>
auto async_set_max_rate(std::shared_ptr<instance> inst, std::uint64_t bytes_per_second, Token&& token) {
  return impl::initiate(
      std::forward<Token>(token),
      [](auto inst, std::uint64_t r, auto h) { impl::set_max_rate(std::move(inst), r, std::move(h)); },
      std::move(inst), bytes_per_second);
}

// void(error_code). How this instance's backups read, from the next begin on. Errors: -505
// while a backup is open; -1003 a chunk size of 0, read_ahead outside 1..4, or
// max_open_files 0.
template <typename Token>
auto async_set_backup_options(std::shared_ptr<instance> inst, backup_options options, Token&& token) {
  return impl::initiate(
      std::forward<Token>(token),
      [](auto inst, backup_options o, auto h) { impl::set_backup_options(std::move(inst), o, std::move(h)); },
      std::move(inst), options);
}

// void(error_code, std::optional<completed_backup>): the instance's last completed backup
// (full or incremental), or nullopt if none ended completed since its databases were made.
template <typename Token>
auto async_last_backup(std::shared_ptr<instance> inst, Token&& token) {
  return impl::initiate<std::optional<completed_backup>>(
      std::forward<Token>(token), [](auto inst, auto h) { impl::last_backup(std::move(inst), std::move(h)); },
      std::move(inst));
}

// JetStopBackupInstance. void(error_code). -1003 (and nothing changes) unless the instance
// is running (S4, S6); otherwise sets the stop and cancels every read in flight (S1, S5).
// Idempotent; with no backup open it has no effect on a later backup.
//
// The stop is announced to the read chains from the calling thread at once, so chunks
// already queued on the strand are not verified or delivered; the stop itself, and every
// cancellation it emits, runs on the strand.
template <typename Token>
auto async_stop_backup(std::shared_ptr<instance> inst, Token&& token) {
  return impl::initiate(std::forward<Token>(token),
                        [](auto inst, auto h) { impl::stop_backup(std::move(inst), std::move(h)); }, std::move(inst));
}

// JetStopBackup, the legacy instance-less call (S2, S3): -1081 in multi-instance mode,
// -1003 when there is no instance, else the stop of the one instance.
template <typename Token>
auto async_stop_backup(engine& eng, Token&& token) {
  return impl::initiate(std::forward<Token>(token), [](engine* e, auto h) { impl::stop_backup(*e, std::move(h)); },
                        &eng);
}

}  // namespace jetstrand::backup
