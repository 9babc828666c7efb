#pragma once
// A backup file download in progress on a session (see session_download.cpp).

#include "route_context.hpp"
#include "session.hpp"

#include <boost/asio/cancellation_signal.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>

#include <array>
#include <optional>
#include <vector>

namespace jetstrand::net {

// Bytes asked of the backup per read: a whole number of pages for every page size, large
// enough for loopback throughput. (A stop does not wait for a read: see backup_session.)
constexpr std::size_t download_chunk = 256 * 1024;
// The socket send buffer of a download (the kernel doubles it): two chunks.
constexpr int download_send_buffer = 2 * static_cast<int>(download_chunk);

// Two buffers, so that the next chunk is read from the backup while the last one is sent.
struct session::download_state {
  download_request req;
  bool keep_alive = false;
  unsigned version = 11;
  std::uint32_t handle = 0;
  bool open = false;
  bool stopping = false;       // a stop interrupted the write in flight
  // Bound to each chunk's write. Cancelling the socket alone can miss a TLS write: between
  // two records no socket operation is pending, and the rest of the chunk would still go
  // out; the write operations see this signal between their steps as well.
  boost::asio::cancellation_signal stop_write;
  std::uint64_t ticket = 0;    // in the download registry
  std::uint64_t size = 0;
  std::uint64_t position = 0;  // bytes read from the file so far
  std::array<std::vector<char>, 2> buffers{std::vector<char>(download_chunk), std::vector<char>(download_chunk)};
  bool reading = false;        // a read is in flight
  int writing = -1;            // the buffer being sent
  int ready = -1;              // a buffer read and waiting to be sent
  std::size_t ready_from = 0, ready_size = 0;
  bool over = false;           // nothing more to read or send: end once both are idle
  boost::system::error_code result;  // how it ends
  boost::beast::http::response<boost::beast::http::empty_body> head;
  std::optional<boost::beast::http::response_serializer<boost::beast::http::empty_body>> serializer;
};

}  // namespace jetstrand::net
