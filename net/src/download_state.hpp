#pragma once
// A backup file download in progress on a session (see session_download.cpp).

#include "route_context.hpp"
#include "session.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>

#include <optional>
#include <vector>

namespace jetstrand::net {

// Bytes asked of the backup per read: a whole number of pages for every page size, large
// enough for loopback throughput, small enough that a stop is seen within one.
constexpr std::size_t download_chunk = 256 * 1024;

struct session::download_state {
  download_request req;
  bool keep_alive = false;
  unsigned version = 11;
  std::uint32_t handle = 0;
  bool open = false;
  bool stopping = false;       // a stop interrupted the write in flight
  std::uint64_t ticket = 0;    // in the download registry
  std::uint64_t size = 0;
  std::uint64_t position = 0;  // bytes read from the file so far
  std::vector<char> buffer = std::vector<char>(download_chunk);
  boost::beast::http::response<boost::beast::http::empty_body> head;
  std::optional<boost::beast::http::response_serializer<boost::beast::http::empty_body>> serializer;
};

}  // namespace jetstrand::net
