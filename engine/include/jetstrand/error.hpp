#pragma once
// The JET error codes (values identical to ESE's, SPEC §2) as an error category.
//
// Asio completes with boost::system::error_code, so the category is a Boost.System one;
// Boost.System categories convert to std::error_category, so a jet error also reads as a
// std::error_code with the same value and category name ("jet").

#include <boost/system/error_code.hpp>

#include <iosfwd>
#include <string_view>
#include <system_error>

namespace jetstrand {

enum class jet_errc : int {
  success = 0,
  internal_error = -107,
  backup_in_progress = -505,
  no_backup = -520,
  invalid_backup_sequence = -521,
  backup_not_allowed_yet = -523,
  ending_restore_log_too_low = -553,
  starting_restore_log_too_high = -554,
  missing_full_backup = -560,
  restore_of_non_backup_database = -615,
  log_file_not_copied = -616,
  backup_abort_by_caller = -800,  // reserved: caller cancellation is asio::error::operation_aborted
  backup_abort_by_server = -801,
  invalid_grbit = -900,
  invalid_parameter = -1003,
  read_verify_failure = -1018,
  out_of_file_handles = -1020,
  disk_io = -1022,
  not_initialized = -1029,
  already_initialized = -1030,
  file_access_denied = -1032,  // an instance directory is locked by another process
  running_in_one_instance_mode = -1080,
  running_in_multi_instance_mode = -1081,
  instance_name_in_use = -1086,
  database_duplicate = -1201,  // create of a database that exists
  database_not_found = -1203,
  database_corrupted = -1206,  // a page verifies but its content does not parse
  record_not_found = -1601,    // get of a missing key
  too_many_instances = -1214,
  file_not_found = -1811,
};

const boost::system::error_category& jet_category() noexcept;

inline boost::system::error_code make_error_code(jet_errc e) noexcept {
  return {static_cast<int>(e), jet_category()};
}

// ESE's symbolic name ("JET_errBackupAbortByServer"), or an empty view for an unknown value.
std::string_view jet_error_name(int value) noexcept;

// Prints "JET_errBackupAbortByServer (-801)".
std::ostream& operator<<(std::ostream& os, jet_errc e);

}  // namespace jetstrand

template <>
struct boost::system::is_error_code_enum<jetstrand::jet_errc> : std::true_type {};
