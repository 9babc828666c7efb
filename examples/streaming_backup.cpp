// The streaming backup call by call, as docs/cpp-guide.md shows it (built with -Werror and
// run as the test example:streaming_backup). With C++20 coroutines: a full backup copied
// into a directory (begin, attach-info, open/read/close per database, log-info, the logs,
// end), then a second backup stopped in the middle of a read: the read ends with -801, every
// later call but close and end fails with -801, and end reports `aborted`.
#include <jetstrand/backup/streaming_backup.hpp>
#include <jetstrand/engine.hpp>
#include <jetstrand/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace backup = jetstrand::backup;
using boost::system::error_code;
using jetstrand::instance;

// Every call completes with an error code first: as_tuple hands it over instead of throwing.
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Copies one file of the backup into `out`, chunk by chunk (0 bytes: the end).
asio::awaitable<error_code> copy_file(std::shared_ptr<instance> inst, const std::string& name,
                                      const std::filesystem::path& out) {
  auto [ec, handle, size] = co_await backup::async_open_file(inst, name, use_tuple);
  if (ec) co_return ec;
  std::ofstream file(out, std::ios::binary);
  std::vector<char> buffer(1 << 20);  // database reads must be whole pages: 1 MiB is
  for (;;) {
    auto [rec, n] = co_await backup::async_read_file(inst, handle, asio::buffer(buffer), use_tuple);
    if (rec) {
      co_await backup::async_close_file(inst, handle, use_tuple);  // allowed even after a stop
      co_return rec;
    }
    if (n == 0) break;
    file.write(buffer.data(), static_cast<std::streamsize>(n));
  }
  std::printf("  %s: %llu bytes\n", name.c_str(), static_cast<unsigned long long>(size));
  auto [cec] = co_await backup::async_close_file(inst, handle, use_tuple);
  co_return cec;
}

// A full backup into `dir`: databases, then log-info and the logs of the copy range. Ends the
// backup in every case (normal when everything was copied, else abort).
asio::awaitable<error_code> full_backup(std::shared_ptr<instance> inst, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  auto [ec] = co_await backup::async_begin_backup(inst, 0, use_tuple);
  if (ec) co_return ec;
  error_code failure;
  auto [aec, databases] = co_await backup::async_attach_info(inst, use_tuple);
  failure = aec;
  for (const auto& name : databases) {
    if (!failure) failure = co_await copy_file(inst, name, dir / name);
  }
  if (!failure) {
    auto [lec, logs] = co_await backup::async_log_info(inst, use_tuple);  // rolls the log
    failure = lec;
    for (const auto& name : logs.files) {
      if (!failure) failure = co_await copy_file(inst, name, dir / name);
    }
  }
  auto [eec, result] =
      co_await backup::async_end_backup(inst, failure ? backup::end_abort : backup::end_normal, use_tuple);
  if (failure) co_return failure;
  if (eec) co_return eec;
  std::printf("  end: %s\n", result == backup::end_result::completed ? "completed" : "aborted");
  co_return error_code{};
}

asio::awaitable<int> run(jetstrand::engine& eng, std::filesystem::path dir) {
  auto [ec, inst] = co_await eng.async_create_instance("main", use_tuple);
  if (ec) co_return std::fprintf(stderr, "create instance: %s\n", ec.message().c_str()), 1;
  auto [dec] = co_await inst->async_create_database("orders", use_tuple);
  if (dec) co_return std::fprintf(stderr, "create database: %s\n", dec.message().c_str()), 1;
  for (int i = 0; i < 2000; ++i) {
    jetstrand::transaction t;
    t.put("orders", "order-" + std::to_string(i), std::string(1000, 'x'));
    if (i % 100 != 99) t.set_lazy_flush();  // durable at the next flush: fast
    auto [cec] = co_await inst->async_commit(std::move(t), use_tuple);
    if (cec) co_return std::fprintf(stderr, "commit: %s\n", cec.message().c_str()), 1;
  }

  std::printf("full backup:\n");
  if (auto bec = co_await full_backup(inst, dir / "backup-1")) {
    co_return std::fprintf(stderr, "backup: %s\n", bec.message().c_str()), 1;
  }

  // A stop during a read: JetStopBackupInstance from the server's side.
  std::printf("stopped backup:\n");
  co_await backup::async_begin_backup(inst, 0, use_tuple);
  auto [oec, handle, size] = co_await backup::async_open_file(inst, "orders.jdb", use_tuple);
  if (oec) co_return std::fprintf(stderr, "open: %s\n", oec.message().c_str()), 1;
  std::vector<char> buffer(64 << 10);
  backup::async_read_file(inst, handle, asio::buffer(buffer), [](error_code rec, std::size_t n) {
    // In flight at the stop: -801 (or done just before it, with its bytes).
    std::printf("  read in flight: %s, %zu bytes\n", rec ? std::to_string(rec.value()).c_str() : "done", n);
  });
  co_await backup::async_stop_backup(inst, use_tuple);
  auto [rec, n] = co_await backup::async_read_file(inst, handle, asio::buffer(buffer), use_tuple);
  std::printf("  read after the stop: %d %s\n", rec.value(), std::string(jetstrand::jet_error_name(rec.value())).c_str());
  co_await backup::async_close_file(inst, handle, use_tuple);  // still allowed
  auto [eec, result] = co_await backup::async_end_backup(inst, backup::end_normal, use_tuple);
  std::printf("  end: %s\n", !eec && result == backup::end_result::aborted ? "aborted" : "unexpected");
  co_return rec == jetstrand::jet_errc::backup_abort_by_server ? 0 : 1;
}

int main(int argc, char** argv) {
  const std::filesystem::path dir = argc > 1 ? argv[1] : "streaming-backup-data";
  asio::io_context io;
  jetstrand::engine_options options;
  options.data_dir = dir / "data";
  jetstrand::engine eng(io.get_executor(), options);
  int status = 1;
  asio::co_spawn(io, run(eng, dir), [&](std::exception_ptr e, int rc) {
    status = e ? 1 : rc;
    eng.async_shutdown(asio::detached);  // then io.run() returns
  });
  io.run();
  return status;
}
