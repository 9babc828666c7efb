// GET …/backup/files/{name}: open, read to the end, close — streamed, one chunk in flight.
#include "download_state.hpp"
#include "session.hpp"

#include "jetstrand/backup/streaming_backup.hpp"

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
    if (e) return self->end_download(e);
    self->read_next_chunk();
  });
}

void session::read_next_chunk() {
  auto& d = *download_;
  if (d.position >= d.size) return end_download({});
  backup::async_read_file(d.req.inst, d.handle, boost::asio::buffer(d.buffer),
                          boost::asio::bind_executor(stream_.get_executor(),
                                                     [self = shared_from_this()](error_code ec, std::size_t n) {
                                                       self->on_chunk(ec, n);
                                                     }));
}

void session::on_chunk(error_code ec, std::size_t n) {
  auto& d = *download_;
  // Part of the body may have been cut by the interrupted write: nothing more may be sent.
  if (!ec && d.stopping) ec = jet_errc::backup_abort_by_server;
  if (ec) return end_download(ec);
  if (n == 0) return end_download(d.position >= d.size ? error_code{} : make_error_code(jet_errc::disk_io));
  const std::uint64_t start = d.position;
  d.position += n;
  if (d.position <= d.req.from) return read_next_chunk();  // before the range: skipped
  const std::size_t skip = start < d.req.from ? static_cast<std::size_t>(d.req.from - start) : 0;
  stream_.expires_after(limits_.io_timeout);
  boost::asio::async_write(stream_, boost::asio::buffer(d.buffer.data() + skip, n - skip),
                           [self = shared_from_this()](beast::error_code e, std::size_t sent) {
                             self->router_.stats().bytes_sent(sent);
                             // Cut short by a stop: the read that follows reports it (-801).
                             if (e && self->download_->stopping) {
                               if (self->download_->position < self->download_->size) return self->read_next_chunk();
                               return self->end_download(jet_errc::backup_abort_by_server);
                             }
                             if (e) return self->end_download(e);
                             self->read_next_chunk();
                           });
}

void session::interrupt_download() {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (!self->download_) return;
    self->download_->stopping = true;
    self->stream_.cancel();  // a write in flight completes now, with operation_aborted
  });
}

void session::end_download(error_code ec) {
  auto d = std::move(download_);
  router_.downloads().remove(d->ticket);
  if (d->open) backup::async_close_file(d->req.inst, d->handle, [](error_code) {});
  if (ec == jet_errc::backup_abort_by_server) router_.stats().download_stopped(d->req.inst->name());
  // Short of Content-Length the body cannot be finished: the connection ends, which tells
  // the client the download failed; the backup status says why.
  if (ec || !d->keep_alive) return shut_down();
  read_request();
}

}  // namespace jetstrand::net
