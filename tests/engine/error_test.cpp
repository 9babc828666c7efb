#include "jetstrand/error.hpp"

#include <boost/test/unit_test.hpp>

#include <system_error>

using jetstrand::jet_errc;

BOOST_AUTO_TEST_SUITE(error_codes)

// SPEC §2: the values and names are ESE's.
BOOST_AUTO_TEST_CASE(values_and_names_are_eses) {
  struct row {
    jet_errc code;
    int value;
    const char* name;
  };
  const row rows[] = {
      {jet_errc::success, 0, "JET_errSuccess"},
      {jet_errc::backup_in_progress, -505, "JET_errBackupInProgress"},
      {jet_errc::no_backup, -520, "JET_errNoBackup"},
      {jet_errc::invalid_backup_sequence, -521, "JET_errInvalidBackupSequence"},
      {jet_errc::backup_not_allowed_yet, -523, "JET_errBackupNotAllowedYet"},
      {jet_errc::ending_restore_log_too_low, -553, "JET_errEndingRestoreLogTooLow"},
      {jet_errc::starting_restore_log_too_high, -554, "JET_errStartingRestoreLogTooHigh"},
      {jet_errc::missing_full_backup, -560, "JET_errMissingFullBackup"},
      {jet_errc::restore_of_non_backup_database, -615, "JET_errRestoreOfNonBackupDatabase"},
      {jet_errc::log_file_not_copied, -616, "JET_errLogFileNotCopied"},
      {jet_errc::backup_abort_by_caller, -800, "JET_errBackupAbortByCaller"},
      {jet_errc::backup_abort_by_server, -801, "JET_errBackupAbortByServer"},
      {jet_errc::invalid_grbit, -900, "JET_errInvalidGrbit"},
      {jet_errc::invalid_parameter, -1003, "JET_errInvalidParameter"},
      {jet_errc::read_verify_failure, -1018, "JET_errReadVerifyFailure"},
      {jet_errc::out_of_file_handles, -1020, "JET_errOutOfFileHandles"},
      {jet_errc::disk_io, -1022, "JET_errDiskIO"},
      {jet_errc::not_initialized, -1029, "JET_errNotInitialized"},
      {jet_errc::running_in_one_instance_mode, -1080, "JET_errRunningInOneInstanceMode"},
      {jet_errc::running_in_multi_instance_mode, -1081, "JET_errRunningInMultiInstanceMode"},
      {jet_errc::database_not_found, -1203, "JET_errDatabaseNotFound"},
      {jet_errc::too_many_instances, -1214, "JET_errTooManyInstances"},
      {jet_errc::file_not_found, -1811, "JET_errFileNotFound"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      BOOST_TEST(static_cast<int>(r.code) == r.value);
      boost::system::error_code ec = r.code;
      BOOST_TEST(ec.value() == r.value);
      BOOST_TEST(jetstrand::jet_error_name(r.value) == r.name);
      BOOST_TEST(ec.message().find(r.name) != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(category_is_named_jet_and_reads_as_std_error_code) {
  boost::system::error_code ec = jet_errc::backup_abort_by_server;
  BOOST_TEST(ec.category().name() == std::string("jet"));
  BOOST_TEST(ec == jet_errc::backup_abort_by_server);
  BOOST_TEST(ec != jet_errc::invalid_parameter);
  BOOST_TEST(static_cast<bool>(ec));

  std::error_code sec = ec;
  BOOST_TEST(sec.value() == -801);
  BOOST_TEST(sec.category().name() == std::string("jet"));
  BOOST_TEST(sec.message() == ec.message());
}

BOOST_AUTO_TEST_CASE(unknown_value_has_no_name_but_a_message) {
  BOOST_TEST(jetstrand::jet_error_name(-12345).empty());
  boost::system::error_code ec(-12345, jetstrand::jet_category());
  BOOST_TEST(ec.message().find("-12345") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(success_is_not_an_error) {
  boost::system::error_code ec = jet_errc::success;
  BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_SUITE_END()
