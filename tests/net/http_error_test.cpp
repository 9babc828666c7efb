// SPEC §4: every JET error's HTTP status, and the JSON error body.
#include "jetstrand/error.hpp"
#include "jetstrand/net/http_error.hpp"

#include <boost/asio/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

using namespace jetstrand;
using net::http_status_for;

BOOST_AUTO_TEST_SUITE(http_errors)

BOOST_AUTO_TEST_CASE(bad_input_is_400) {
  BOOST_TEST(http_status_for(jet_errc::invalid_parameter) == 400u);
  BOOST_TEST(http_status_for(jet_errc::invalid_grbit) == 400u);
}

BOOST_AUTO_TEST_CASE(unknown_things_are_404) {
  BOOST_TEST(http_status_for(jet_errc::database_not_found) == 404u);
  BOOST_TEST(http_status_for(jet_errc::file_not_found) == 404u);
  BOOST_TEST(http_status_for(jet_errc::record_not_found) == 404u);
}

BOOST_AUTO_TEST_CASE(codes_beyond_the_spec_table) {
  BOOST_TEST(http_status_for(jet_errc::database_duplicate) == 409u);
  BOOST_TEST(http_status_for(jet_errc::instance_name_in_use) == 409u);
  BOOST_TEST(http_status_for(jet_errc::file_access_denied) == 409u);
  BOOST_TEST(http_status_for(jet_errc::already_initialized) == 409u);
  BOOST_TEST(http_status_for(jet_errc::database_corrupted) == 500u);
  BOOST_TEST(http_status_for(jet_errc::internal_error) == 500u);
}

BOOST_AUTO_TEST_CASE(state_and_sequence_errors_are_409) {
  for (auto e : {jet_errc::backup_in_progress, jet_errc::no_backup,
                 jet_errc::invalid_backup_sequence, jet_errc::backup_not_allowed_yet,
                 jet_errc::missing_full_backup, jet_errc::log_file_not_copied,
                 jet_errc::backup_abort_by_server, jet_errc::running_in_one_instance_mode,
                 jet_errc::running_in_multi_instance_mode, jet_errc::too_many_instances}) {
    BOOST_TEST_CONTEXT(e) { BOOST_TEST(http_status_for(e) == 409u); }
  }
}

BOOST_AUTO_TEST_CASE(io_and_verify_errors_are_500) {
  BOOST_TEST(http_status_for(jet_errc::disk_io) == 500u);
  BOOST_TEST(http_status_for(jet_errc::read_verify_failure) == 500u);
  BOOST_TEST(http_status_for(boost::system::error_code(EIO, boost::system::system_category())) ==
             500u);
}

BOOST_AUTO_TEST_CASE(body_has_code_name_and_message) {
  auto err = net::make_http_error(jet_errc::backup_abort_by_server, "stopped by the server");
  BOOST_TEST(err.status == 409u);
  auto v = boost::json::parse(err.body());
  const auto& e = v.at("error");
  BOOST_TEST(e.at("code").as_int64() == -801);
  BOOST_TEST(e.at("name").as_string() == "JET_errBackupAbortByServer");
  BOOST_TEST(e.at("message").as_string() == "stopped by the server");
  BOOST_TEST(v.as_object().size() == 1u);
}

BOOST_AUTO_TEST_CASE(explicit_status_keeps_the_jet_code) {
  // SPEC §4: an unknown instance is 404, but its JET code stays -1003 (S4).
  auto err = net::make_http_error(404, jet_errc::invalid_parameter, "instance 'x' not found");
  BOOST_TEST(err.status == 404u);
  BOOST_TEST(err.code == -1003);
  BOOST_TEST(err.name == "JET_errInvalidParameter");
}

BOOST_AUTO_TEST_CASE(system_errors_report_disk_io_with_their_text) {
  auto err = net::make_http_error(boost::system::error_code(ENOSPC, boost::system::system_category()));
  BOOST_TEST(err.status == 500u);
  BOOST_TEST(err.code == -1022);
  BOOST_TEST(err.name == "JET_errDiskIO");
  BOOST_TEST(err.message.find("No space left") != std::string::npos, err.message);
  BOOST_TEST(err.message.find("system:28") != std::string::npos, err.message);
}

BOOST_AUTO_TEST_CASE(operation_aborted_is_503) {
  auto err = net::make_http_error(boost::asio::error::operation_aborted);
  BOOST_TEST(err.status == 503u);
  BOOST_TEST(err.code == -800);
}

BOOST_AUTO_TEST_SUITE_END()
