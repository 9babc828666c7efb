#pragma once
// Maps one parsed HTTP request to a response. No I/O here beyond engine calls: the session
// does the socket work, the router decides what to answer.

#include "jetstrand/engine.hpp"
#include "jetstrand/net/http_error.hpp"

#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/string_body.hpp>

namespace jetstrand::net {

using request = boost::beast::http::request<boost::beast::http::string_body>;
using response = boost::beast::http::response<boost::beast::http::string_body>;

class router {
 public:
  explicit router(engine& eng) : engine_(eng) {}

  response handle(const request& req) const;

  // A JSON error response of the right status (SPEC §2, §4).
  static response error_response(const http_error& err, unsigned version, bool keep_alive);

 private:
  response json(unsigned status, const std::string& body, const request& req) const;

  engine& engine_;
};

}  // namespace jetstrand::net
