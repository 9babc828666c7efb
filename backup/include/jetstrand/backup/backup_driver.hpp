#pragma once
// The whole streaming backup of an instance as one asynchronous call: begin, attach-info,
// every database file, log-info, every log of the copy range, [truncate-log], end — into a
// backup_sink, with progress and a manifest (sizes and CRC32C of every file).
//
// Guarantees:
// - The backup is always ended: normally when every file was copied (the set is committed
//   to the sink only if end reports `completed`), else with end(abort) and sink.abandon().
// - A stop (async_stop_backup) ends the call promptly with -801: the read in flight returns
//   within one chunk, the backup is ended with abort.
// - Cancellation through the token's bound slot (terminal) ends it with operation_aborted,
//   the same way; the instance's backup is ended either way.

#include "jetstrand/backup/backup_sink.hpp"
#include "jetstrand/backup/backup_types.hpp"
#include "jetstrand/instance.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <functional>
#include <memory>

namespace jetstrand::backup {

struct backup_progress {
  std::string file;                   // being copied
  backup_file_kind kind = backup_file_kind::database;
  std::uint64_t file_bytes_done = 0;
  std::uint64_t file_bytes_total = 0;
  std::uint64_t bytes_done = 0;       // every file so far, this one included
  std::size_t files_done = 0;         // files completely copied
};

struct driver_options {
  bool incremental = false;
  std::uint64_t max_rate = 0;  // bytes per second read, over every file together (0: unlimited)
  // Bytes asked for per read call; rounded up to a multiple of 32 KiB, so that it is a whole
  // number of pages whatever the page size. Two such buffers: the next read fills one while
  // the other is checksummed and written to the sink.
  std::size_t buffer_size = 4 << 20;
  bool truncate_logs = false;  // truncate-log after the logs are copied
  // Called on the driver's executor after every buffer written to the sink.
  std::function<void(const backup_progress&)> progress;
};

struct backup_report {
  end_result result = end_result::aborted;
  backup_manifest manifest;  // the files copied (complete only when result is completed)
  std::uint64_t bytes = 0;
};

using backup_driver_handler =
    boost::asio::any_completion_handler<void(boost::system::error_code, backup_report)>;

void start_backup_driver(boost::asio::any_io_executor ex, std::shared_ptr<instance> inst,
                         backup_sink& sink, driver_options options, backup_driver_handler handler);

// void(error_code, backup_report). Runs on `ex` (the sink is called there); `sink` must
// outlive the operation. A cancellation emitted on the handler's slot ends it with
// operation_aborted, the backup ended (aborted) and the set abandoned; the read running when
// the cancellation reaches the driver may still hand one buffer to the sink.
template <typename Token>
auto async_run_backup(boost::asio::any_io_executor ex, std::shared_ptr<instance> inst,
                      backup_sink& sink, driver_options options, Token&& token) {
  return boost::asio::async_initiate<Token, void(boost::system::error_code, backup_report)>(
      [](auto handler, boost::asio::any_io_executor ex, std::shared_ptr<instance> inst,
         backup_sink* sink, driver_options options) {
        start_backup_driver(std::move(ex), std::move(inst), *sink, std::move(options),
                            backup_driver_handler(std::move(handler)));
      },
      token, std::move(ex), std::move(inst), &sink, std::move(options));
}

}  // namespace jetstrand::backup
