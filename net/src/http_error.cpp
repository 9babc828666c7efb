#include "jetstrand/net/http_error.hpp"

#include "jetstrand/error.hpp"

#include <boost/asio/error.hpp>
#include <boost/json/serialize.hpp>

namespace jetstrand::net {

unsigned http_status_for(const boost::system::error_code& ec) noexcept {
  if (ec == boost::asio::error::operation_aborted) return 503;
  if (ec.category() != jet_category()) return 500;
  switch (static_cast<jet_errc>(ec.value())) {
    case jet_errc::success: return 200;
    case jet_errc::invalid_parameter:
    case jet_errc::invalid_grbit: return 400;
    case jet_errc::database_not_found:
    case jet_errc::file_not_found:
    case jet_errc::record_not_found: return 404;
    case jet_errc::backup_in_progress:
    case jet_errc::no_backup:
    case jet_errc::invalid_backup_sequence:
    case jet_errc::backup_not_allowed_yet:
    case jet_errc::missing_full_backup:
    case jet_errc::log_file_not_copied:
    case jet_errc::backup_abort_by_server:
    case jet_errc::running_in_one_instance_mode:
    case jet_errc::running_in_multi_instance_mode:
    case jet_errc::too_many_instances:
    // Beyond SPEC §4's list, the same kind: state conflicts, not bad input.
    case jet_errc::not_initialized:
    case jet_errc::already_initialized:
    case jet_errc::file_access_denied:
    case jet_errc::instance_name_in_use:
    case jet_errc::database_duplicate:
    case jet_errc::out_of_file_handles:
    case jet_errc::ending_restore_log_too_low:
    case jet_errc::starting_restore_log_too_high:
    case jet_errc::restore_of_non_backup_database: return 409;
    default: return 500;
  }
}

int jet_code_for(const boost::system::error_code& ec) noexcept {
  if (ec.category() == jet_category()) return ec.value();
  if (ec == boost::asio::error::operation_aborted) {
    return static_cast<int>(jet_errc::backup_abort_by_caller);
  }
  return static_cast<int>(jet_errc::disk_io);
}

boost::json::object http_error::to_json() const {
  return {{"error", {{"code", code}, {"name", name}, {"message", message}}}};
}

std::string http_error::body() const { return boost::json::serialize(to_json()); }

http_error make_http_error(unsigned status, const boost::system::error_code& ec,
                           std::string_view message) {
  const int code = jet_code_for(ec);
  std::string text = message.empty() ? ec.message() : std::string(message);
  if (ec.category() != jet_category() && message.empty()) {
    text += " (" + std::string(ec.category().name()) + ":" + std::to_string(ec.value()) + ")";
  }
  return {status, code, std::string(jet_error_name(code)), std::move(text)};
}

http_error make_http_error(const boost::system::error_code& ec, std::string_view message) {
  return make_http_error(http_status_for(ec), ec, message);
}

}  // namespace jetstrand::net
