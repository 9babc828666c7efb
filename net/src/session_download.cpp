// GET …/backup/files/{name}: open, read to the end, close — streamed, one chunk in flight.
#include "download_state.hpp"
#include "session.hpp"

#include "jetstrand/backup/streaming_backup.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/write.hpp>

namespace jetstrand::net {
namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::system::error_code;

void session::start_download(download_request d) {
  download_ = std::make_unique<download_state>();
  download_->keep_alive = current_->keep_alive();
  download_->version = current_->version();
  download_->req = std::move(d);
  download_->ticket = router_.downloads().add(download_->req.inst->name(), weak_from_this());
  // Bounded socket buffers (autotuning would let a loopback client run megabytes behind):
  // after a stop the client learns the download ended within that much data.
  beast::error_code ignored;
  stream_.socket().set_option(boost::asio::socket_base::send_buffer_size(download_send_buffer), ignored);
  backup::async_open_file(
      download_->req.inst, download_->req.file,
      boost::asio::bind_executor(stream_.get_executor(),
                                 [self = shared_from_this()](error_code ec, std::uint32_t h, std::uint64_t size) {
                                   self->on_download_opened(ec, h, size);
                                 }));
}

void session::on_download_opened(error_code ec, std::uint32_t handle, std::uint64_t size) {
  auto& d = *download_;
  if (ec) {
    router_.downloads().remove(d.ticket);
    auto res = make_error_response(make_http_error(ec), d.version, d.keep_alive);
    download_.reset();
    return write(std::move(res));
  }
  d.open = true;
  d.handle = handle;
  d.size = size;
  if (d.req.ranged && d.req.from >= size) {
    auto res = make_error_response(
        make_http_error(416, jet_errc::invalid_parameter,
                        "range starts at " + std::to_string(d.req.from) + ", the file has " + std::to_string(size) + " bytes"),
        d.version, d.keep_alive);
    res.set(http::field::content_range, "bytes */" + std::to_string(size));
    backup::async_close_file(d.req.inst, handle, [](error_code) {});
    router_.downloads().remove(d.ticket);
    download_.reset();
    return write(std::move(res));
  }
  d.head = http::response<http::empty_body>{d.req.ranged ? http::status::partial_content : http::status::ok, d.version};
  d.head.set(http::field::content_type, "application/octet-stream");
  d.head.set(http::field::accept_ranges, "bytes");
  if (d.req.ranged) {
    d.head.set(http::field::content_range, "bytes " + std::to_string(d.req.from) + "-" +
                                               std::to_string(size - 1) + "/" + std::to_string(size));
  }
  d.head.content_length(size - d.req.from);
  d.head.keep_alive(d.keep_alive);
  d.serializer.emplace(d.head);
  router_.stats().request(route_, d.head.result_int());
  stream_.expires_after(limits_.io_timeout);
  http::async_write_header(stream_, *d.serializer, [self = shared_from_this()](beast::error_code e, std::size_t) {
    if (e) {
      self->download_->over = true;
      self->download_->result = e;
    }
    self->pump_download();
  });
}

void session::pump_download() {
  auto& d = *download_;
  if (d.over) {
    if (!d.reading && d.writing < 0) end_download(d.result);
    return;
  }
  if (d.writing < 0 && d.ready >= 0) {
    d.writing = std::exchange(d.ready, -1);
    stream_.expires_after(limits_.io_timeout);
    boost::asio::async_write(stream_, boost::asio::buffer(d.buffers[d.writing].data() + d.ready_from, d.ready_size),
                             boost::asio::bind_cancellation_slot(
                                 d.stop_write.slot(), [self = shared_from_this()](beast::error_code e, std::size_t sent) {
                                   self->on_chunk_sent(e, sent);
                                 }));
  }
  if (!d.reading && d.ready < 0) {
    if (d.position < d.size) return read_next_chunk(d.writing == 0 ? 1 : 0);
    if (d.writing < 0) {  // everything read and sent
      d.over = true;
      end_download({});
    }
  }
}

void session::read_next_chunk(int into) {
  auto& d = *download_;
  d.reading = true;
  backup::async_read_file(d.req.inst, d.handle, boost::asio::buffer(d.buffers[into]),
                          boost::asio::bind_executor(stream_.get_executor(),
                                                     [self = shared_from_this(), into](error_code ec, std::size_t n) {
                                                       self->on_chunk(into, ec, n);
                                                     }));
}

void session::on_chunk(int buffer, error_code ec, std::size_t n) {
  auto& d = *download_;
  d.reading = false;
  // Part of the body may have been cut by the interrupted write: nothing more may be sent.
  if (!ec && d.stopping) ec = jet_errc::backup_abort_by_server;
  if (!ec && n == 0) ec = jet_errc::disk_io;  // the file ended before its size
  if (ec && !d.over) {
    d.over = true;
    d.result = ec;
  }
  if (d.over) return pump_download();
  const std::uint64_t start = d.position;
  d.position += n;
  if (d.position <= d.req.from) return read_next_chunk(buffer);  // before the range: skipped
  d.ready = buffer;
  d.ready_from = start < d.req.from ? static_cast<std::size_t>(d.req.from - start) : 0;
  d.ready_size = n - d.ready_from;
  pump_download();
}

void session::on_chunk_sent(beast::error_code e, std::size_t sent) {
  auto& d = *download_;
  router_.stats().bytes_sent(sent);
  d.writing = -1;
  if (e && !d.over) {
    d.over = true;
    // Cut short by a stop: the backup's answer (-801) is why, not the socket's.
    d.result = d.stopping ? error_code(jet_errc::backup_abort_by_server) : error_code(e);
  }
  pump_download();
}

void session::interrupt_download() {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (!self->download_) return;
    self->download_->stopping = true;
    // The chunk write in flight completes now, with operation_aborted, even between two TLS
    // records; cancelling the socket also ends the header write.
    self->download_->stop_write.emit(boost::asio::cancellation_type::terminal);
    self->stream_.cancel();
  });
}

void session::end_download(error_code ec) {
  auto d = std::move(download_);
  router_.downloads().remove(d->ticket);
  if (d->open) backup::async_close_file(d->req.inst, d->handle, [](error_code) {});
  if (ec == jet_errc::backup_abort_by_server) router_.stats().download_stopped(d->req.inst->name());
  // Short of Content-Length the body cannot be finished: the connection is reset, which
  // tells the client the download failed at once (a clean close would first make it read
  // the megabytes still in the socket buffers, of no use now); the backup status says why.
  if (ec) return reset_connection();
  if (!d->keep_alive) return shut_down();
  read_request();
}

}  // namespace jetstrand::net
