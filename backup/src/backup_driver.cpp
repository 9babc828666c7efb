#include "jetstrand/backup/backup_driver.hpp"

#include "jetstrand/backup/streaming_backup.hpp"
#include "jetstrand/crc32c.hpp"
#include "jetstrand/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <chrono>
#include <ctime>

namespace jetstrand::backup {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto await = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t largest_page = 32 * 1024;

// The caller's cancellation, relayed into the coroutine without co_spawn's own slot
// handling (Boost 1.81's co_spawn_cancellation_handler can be used after it is freed when
// an emission races the completion: chriskohlhoff/asio#1332, fixed in 1.83). Shared, so an
// emission posted to the strand after the backup finished still finds it alive.
struct cancel_relay {
  asio::cancellation_signal signal;  // bound to the operation in progress; emitted on the strand
  bool requested = false;            // on the strand
};

struct run_state {
  std::shared_ptr<instance> inst;
  backup_sink& sink;
  driver_options options;
  std::shared_ptr<cancel_relay> cancel;
  backup_report report;
  // Two buffers: the next read fills one while the other is checksummed and written.
  std::array<std::vector<unsigned char>, 2> buffers;

  // The completion token for a step the caller may cancel.
  auto cancellable() { return asio::bind_cancellation_slot(cancel->signal.slot(), await); }
  bool cancelled() const { return cancel->requested; }
};

// A read started now and awaited later (the coroutine works on the last buffer meanwhile).
// Its completion wakes the coroutine through a timer that never expires by itself.
struct read_in_flight {
  explicit read_in_flight(const asio::any_io_executor& ex) : wake(ex) {}
  asio::steady_timer wake;
  bool running = false;
  error_code ec;
  std::size_t bytes = 0;
};

void start_read(run_state& s, std::uint32_t handle, std::vector<unsigned char>& buffer,
                const std::shared_ptr<read_in_flight>& r, const asio::any_io_executor& strand) {
  r->running = true;
  r->wake.expires_at(asio::steady_timer::time_point::max());
  async_read_file(s.inst, handle, asio::buffer(buffer),
                  asio::bind_cancellation_slot(
                      s.cancel->signal.slot(),
                      asio::bind_executor(strand, [r](error_code ec, std::size_t n) {
                        r->ec = ec;
                        r->bytes = n;
                        r->running = false;
                        r->wake.cancel();
                      })));
}

asio::awaitable<void> finish_read(read_in_flight& r) {
  while (r.running) co_await r.wake.async_wait(await);
}

// Opens, reads to the end and closes one file, passing its bytes to the sink.
asio::awaitable<error_code> copy_file(run_state& s, const std::string& name, backup_file_kind kind) {
  auto [ec, handle, size] = co_await async_open_file(s.inst, name, s.cancellable());
  if (ec) co_return ec;
  manifest_file f{name, kind, size, 0};
  backup_progress progress{name, kind, 0, size, s.report.bytes, s.report.manifest.files.size()};
  ec = s.sink.begin_file(f);
  const auto strand = co_await asio::this_coro::executor;
  auto read = std::make_shared<read_in_flight>(strand);
  std::size_t current = 0;
  // A cancellation that arrived while the coroutine itself ran (no operation bound to the
  // signal) is only recorded: look at it before every read.
  if (!ec && s.cancelled()) ec = asio::error::operation_aborted;
  if (!ec) start_read(s, handle, s.buffers[current], read, strand);
  while (read->running) {
    co_await finish_read(*read);
    if (read->ec) {
      if (!ec) ec = read->ec;
      break;
    }
    const std::size_t n = read->bytes;
    if (n == 0 || ec) break;
    if (s.cancelled()) {
      ec = asio::error::operation_aborted;
    } else {
      start_read(s, handle, s.buffers[1 - current], read, strand);
    }
    const auto& bytes = s.buffers[current];
    f.crc32c = crc32c(bytes.data(), n, f.crc32c);
    if (auto wec = s.sink.write({bytes.data(), n}); wec && !ec) ec = wec;
    s.report.bytes += n;
    progress.file_bytes_done += n;
    progress.bytes_done += n;
    if (s.options.progress) s.options.progress(progress);
    current = 1 - current;
  }
  // A read still running (after a failed write) owns its buffer until it completes.
  co_await finish_read(*read);
  // Close is allowed after a stop; a file not read to its end is never counted as copied.
  auto [cec] = co_await async_close_file(s.inst, handle, await);
  if (!ec && progress.file_bytes_done != size) ec = jet_errc::disk_io;
  if (!ec) ec = cec;
  if (!ec) ec = s.sink.end_file(f);
  if (!ec) s.report.manifest.files.push_back(f);
  co_return ec;
}

asio::awaitable<error_code> copy_all(run_state& s) {
  if (!s.options.incremental) {
    auto [ec, names] = co_await async_attach_info(s.inst, s.cancellable());
    if (ec) co_return ec;
    for (const auto& name : names) {
      if (auto e = co_await copy_file(s, name, backup_file_kind::database)) co_return e;
    }
  }
  if (s.cancelled()) co_return asio::error::operation_aborted;
  auto [ec, range] = co_await async_log_info(s.inst, s.cancellable());
  if (ec) co_return ec;
  s.report.manifest.generation_low = range.generation_low;
  s.report.manifest.generation_high = range.generation_high;
  for (const auto& name : range.files) {
    if (auto e = co_await copy_file(s, name, backup_file_kind::log)) co_return e;
  }
  if (s.options.truncate_logs) {
    auto [tec] = co_await async_truncate_log(s.inst, s.cancellable());
    if (tec) co_return tec;
  }
  co_return error_code{};
}

asio::awaitable<std::tuple<error_code, backup_report>> run(std::shared_ptr<instance> inst,
                                                           backup_sink& sink,
                                                           driver_options options,
                                                           std::shared_ptr<cancel_relay> cancel) {
  const std::size_t buffer_size =
      std::max(largest_page, (options.buffer_size + largest_page - 1) / largest_page * largest_page);
  run_state s{std::move(inst), sink, std::move(options), std::move(cancel), {},
              {std::vector<unsigned char>(buffer_size), std::vector<unsigned char>(buffer_size)}};
  auto& m = s.report.manifest;
  m.instance = s.inst->name();
  m.kind = s.options.incremental ? set_kind::incremental : set_kind::full;
  m.created = utc_timestamp_now();

  auto [ec] = co_await async_begin_backup(s.inst, s.options.incremental ? backup_incremental : 0u,
                                          s.cancellable());
  if (!ec && s.options.max_rate) std::tie(ec) = co_await async_set_max_rate(s.inst, s.options.max_rate, await);
  // The set appears at the target only once the server has accepted the begin.
  bool started = false;
  if (!ec) {
    ec = sink.start();
    started = !ec;
  }
  // A begin cancelled by the caller may still have opened the backup: end it regardless
  // (-520 then just says there was none).
  if (!ec) ec = co_await copy_all(s);

  // From here on nothing may interrupt (no step is bound to the relay): the backup must be
  // ended whatever the caller asks.
  auto [eec, result] = co_await async_end_backup(s.inst, ec ? end_abort : end_normal, await);
  s.report.result = eec ? end_result::aborted : result;
  if (!ec && eec) ec = eec;
  // Completed but reported aborted: a stop landed between the last read and the end.
  if (!ec && result == end_result::aborted) ec = jet_errc::backup_abort_by_server;
  if (!ec) ec = sink.commit(m);
  if (ec && started) sink.abandon(ec.message());
  co_return std::tuple{ec, std::move(s.report)};
}

}  // namespace

void start_backup_driver(asio::any_io_executor ex, std::shared_ptr<instance> inst,
                         backup_sink& sink, driver_options options, backup_driver_handler handler) {
  // The coroutine runs on a strand of its own; the caller's slot posts there and emits the
  // relay, so every emission happens on the operation's strand.
  auto strand = asio::make_strand(ex);
  auto relay = std::make_shared<cancel_relay>();
  auto slot = asio::get_associated_cancellation_slot(handler);
  if (slot.is_connected()) {
    slot.assign([strand, relay](asio::cancellation_type type) {
      asio::post(strand, [relay, type] {
        relay->requested = true;
        relay->signal.emit(type);
      });
    });
  }
  auto handler_ex = asio::get_associated_executor(handler, ex);
  // The completion has no associated slot or executor (see cancel_relay): it runs on the
  // strand and hands the result to the caller's executor itself.
  asio::co_spawn(strand, run(std::move(inst), sink, std::move(options), relay),
                 [slot, handler_ex, handler = std::move(handler)](
                     std::exception_ptr e, std::tuple<error_code, backup_report> r) mutable {
                   if (slot.is_connected()) slot.clear();
                   auto [ec, report] = std::move(r);
                   // Only allocation failure can throw here (every step reports errors as codes).
                   if (e) ec = jet_errc::internal_error;
                   asio::dispatch(handler_ex, [handler = std::move(handler), ec, report = std::move(report)]() mutable {
                     std::move(handler)(ec, std::move(report));
                   });
                 });
}

}  // namespace jetstrand::backup
