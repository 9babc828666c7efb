#pragma once
// The one place where an error becomes an HTTP response (SPEC §4): status code and the
// JSON body {"error":{"code":-801,"name":"JET_errBackupAbortByServer","message":"…"}}.

#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace jetstrand::net {

// 400 for -1003/-900; 404 for -1203/-1811/-1601; 409 for state and sequence errors; 500 for I/O,
// verify and anything outside the jet category; 503 for operation_aborted (shutting down).
// Routes that must say 404 for an unknown instance (whose JET code stays -1003) pass the
// status explicitly.
unsigned http_status_for(const boost::system::error_code& ec) noexcept;

// The JET code reported for an error: its own value in the jet category; -1022
// (JET_errDiskIO) for system and other errors, whose text goes into the message.
int jet_code_for(const boost::system::error_code& ec) noexcept;

struct http_error {
  unsigned status;
  int code;
  std::string name;
  std::string message;

  boost::json::object to_json() const;
  std::string body() const;  // serialized to_json()
};

// `message` defaults to the error's own message.
http_error make_http_error(const boost::system::error_code& ec, std::string_view message = {});
http_error make_http_error(unsigned status, const boost::system::error_code& ec,
                           std::string_view message = {});

}  // namespace jetstrand::net
