// SPEC §3's call table, row by row, on the I/O-free state machine: each error, in the order
// the table gives, and each state change. A failing call changes nothing (S6).
#include "backup_state.hpp"

#include "jetstrand/error.hpp"

#include <boost/test/unit_test.hpp>

using namespace jetstrand;
using namespace jetstrand::backup;
using boost::system::error_code;

namespace {

begin_context running(bool fully_backed_up = true) {
  begin_context c;
  c.phase = instance_phase::running;
  c.checkpoint_generation = 5;
  c.every_database_fully_backed_up = fully_backed_up;
  c.last_backup_generation_high = 3;
  return c;
}

// Files the instance has: database d.jdb (3 pages of 4 KiB), logs gen 1..9.
std::optional<file_lookup> lookup(std::string_view name) {
  if (name == "d.jdb") return file_lookup{file_kind::database, 3 * 4096, 0};
  if (name.size() == 16 && name.rfind("gen-", 0) == 0) {
    auto gen = static_cast<std::uint32_t>(std::stoul(std::string(name.substr(4, 8)), nullptr, 16));
    if (gen >= 1 && gen <= 9) return file_lookup{file_kind::log, 8192, gen};
  }
  return std::nullopt;
}
std::string log_name(std::uint32_t gen) {
  char b[32];
  std::snprintf(b, sizeof b, "gen-%08X.log", gen);
  return b;
}
bool is(error_code ec, jet_errc e) { return ec == e; }

// A full backup through log-info: the copy range is [5, 7).
backup_state in_log_phase() {
  backup_state s;
  BOOST_TEST_REQUIRE(!s.begin(0, running()));
  BOOST_TEST_REQUIRE(!s.log_info([] { return 7u; }));
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(backup_table)

BOOST_AUTO_TEST_CASE(begin_errors_in_order) {
  backup_state s;
  auto c = running(false);
  c.phase = instance_phase::terminated;
  // Everything wrong at once: the first check wins.
  BOOST_TEST(is(s.begin(0x80 | backup_incremental, c), jet_errc::invalid_parameter));
  c.phase = instance_phase::created;
  BOOST_TEST(is(s.begin(0, c), jet_errc::invalid_parameter));
  c.phase = instance_phase::starting;
  BOOST_TEST(is(s.begin(0x80, c), jet_errc::backup_not_allowed_yet));
  c.phase = instance_phase::terminating;
  BOOST_TEST(is(s.begin(0, c), jet_errc::backup_not_allowed_yet));
  c.phase = instance_phase::running;
  BOOST_TEST(is(s.begin(0x80 | backup_incremental, c), jet_errc::invalid_grbit));
  BOOST_TEST(is(s.begin(backup_incremental, c), jet_errc::missing_full_backup));
  BOOST_TEST(!s.is_open());  // none of the failures opened anything
  BOOST_TEST(!s.begin(0, c));
  BOOST_TEST(is(s.begin(0, c), jet_errc::backup_in_progress));
  BOOST_TEST(is(s.begin(backup_incremental, c), jet_errc::backup_in_progress));
}

BOOST_AUTO_TEST_CASE(begin_fixes_where_the_copy_range_starts) {
  backup_state full;
  BOOST_TEST(!full.begin(0, running()));
  BOOST_TEST(full.generation_low() == 5u);  // the checkpoint's generation
  BOOST_TEST(!full.incremental());
  backup_state inc;
  BOOST_TEST(!inc.begin(backup_incremental, running()));
  BOOST_TEST(inc.generation_low() == 3u);  // right after the last backup's range
  BOOST_TEST(inc.incremental());
  BOOST_TEST(inc.in_log_phase());
}

BOOST_AUTO_TEST_CASE(attach_info_errors_in_order) {
  backup_state s;
  BOOST_TEST(is(s.attach_info(), jet_errc::no_backup));
  BOOST_TEST(!s.begin(0, running()));
  BOOST_TEST(!s.attach_info());
  s.stop();
  BOOST_TEST(is(s.attach_info(), jet_errc::backup_abort_by_server));
  end_result r;
  BOOST_TEST(!s.end(end_abort, r));
  BOOST_TEST(!s.begin(backup_incremental, running()));
  BOOST_TEST(is(s.attach_info(), jet_errc::invalid_backup_sequence));
}

BOOST_AUTO_TEST_CASE(open_errors_in_order) {
  backup_state s(2);
  std::uint32_t h = 0;
  BOOST_TEST(is(s.open("", lookup, h), jet_errc::no_backup));
  BOOST_TEST(!s.begin(0, running()));
  for (auto bad : {"", "../d.jdb", "a/b", "..", ".", "d.jdb\\x", "x\ny"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(is(s.open(bad, lookup, h), jet_errc::invalid_parameter)); }
  }
  BOOST_TEST(is(s.open(log_name(5), lookup, h), jet_errc::invalid_backup_sequence));  // before log-info
  BOOST_TEST(is(s.open("nope.jdb", lookup, h), jet_errc::file_not_found));
  std::uint32_t a = 0, b = 0;
  BOOST_TEST(!s.open("d.jdb", lookup, a));
  BOOST_TEST(!s.open("d.jdb", lookup, b));  // several handles at once
  BOOST_TEST(a != b);
  BOOST_TEST(is(s.open("d.jdb", lookup, h), jet_errc::out_of_file_handles));
  BOOST_TEST(s.handles().size() == 2u);
  s.stop();
  BOOST_TEST(is(s.open("", lookup, h), jet_errc::backup_abort_by_server));  // -801 before -1003
}

BOOST_AUTO_TEST_CASE(open_in_the_log_phase) {
  auto s = in_log_phase();
  std::uint32_t h = 0;
  BOOST_TEST(is(s.open("d.jdb", lookup, h), jet_errc::invalid_backup_sequence));
  BOOST_TEST(is(s.open(log_name(4), lookup, h), jet_errc::file_not_found));  // below the range
  BOOST_TEST(is(s.open(log_name(7), lookup, h), jet_errc::file_not_found));  // the new generation
  BOOST_TEST(!s.open(log_name(5), lookup, h));
  BOOST_TEST((s.file(h)->kind == file_kind::log));
  backup_state inc;
  BOOST_TEST(!inc.begin(backup_incremental, running()));
  BOOST_TEST(is(inc.open("d.jdb", lookup, h), jet_errc::invalid_backup_sequence));
}

BOOST_AUTO_TEST_CASE(read_errors_in_order) {
  backup_state s;
  BOOST_TEST(is(s.check_read(1, 4096, 4096), jet_errc::no_backup));
  BOOST_TEST(!s.begin(0, running()));
  BOOST_TEST(is(s.check_read(99, 4096, 4096), jet_errc::invalid_parameter));
  std::uint32_t h = 0;
  BOOST_TEST(!s.open("d.jdb", lookup, h));
  BOOST_TEST(is(s.check_read(h, 5000, 4096), jet_errc::invalid_parameter));  // not whole pages
  BOOST_TEST(is(s.check_read(h, 0, 4096), jet_errc::invalid_parameter));
  BOOST_TEST(!s.check_read(h, 8192, 4096));
  s.stop();
  BOOST_TEST(is(s.check_read(99, 5000, 4096), jet_errc::backup_abort_by_server));  // S7
}

BOOST_AUTO_TEST_CASE(close_is_allowed_after_a_stop_and_counts_complete_files) {
  backup_state s;
  BOOST_TEST(is(s.close(1), jet_errc::no_backup));
  BOOST_TEST(!s.begin(0, running()));
  BOOST_TEST(is(s.close(42), jet_errc::invalid_parameter));
  std::uint32_t whole = 0, part = 0;
  BOOST_TEST(!s.open("d.jdb", lookup, whole));
  BOOST_TEST(!s.open("d.jdb", lookup, part));
  s.note_read(whole, 3 * 4096);
  s.note_read(part, 4096);
  BOOST_TEST(!s.close(whole));
  BOOST_TEST(s.copied().count("d.jdb") == 1u);
  s.stop();
  BOOST_TEST(!s.close(part));  // S8
  BOOST_TEST(s.handles().empty());
}

BOOST_AUTO_TEST_CASE(log_info_errors_in_order_and_range) {
  backup_state s;
  int rolls = 0;
  auto roll = [&] {
    ++rolls;
    return 7u;
  };
  BOOST_TEST(is(s.log_info(roll), jet_errc::no_backup));
  BOOST_TEST(!s.begin(0, running()));
  std::uint32_t h = 0;
  BOOST_TEST(!s.open("d.jdb", lookup, h));
  BOOST_TEST(is(s.log_info(roll), jet_errc::invalid_backup_sequence));  // a file still open
  BOOST_TEST(rolls == 0);
  BOOST_TEST(!s.close(h));
  BOOST_TEST(!s.log_info(roll));
  BOOST_TEST(!s.log_info(roll));  // repeated: the same range, no second roll
  BOOST_TEST(rolls == 1);
  BOOST_TEST(s.generation_low() == 5u);
  BOOST_TEST(s.generation_high() == 7u);
  s.stop();
  BOOST_TEST(is(s.log_info(roll), jet_errc::backup_abort_by_server));
}

BOOST_AUTO_TEST_CASE(truncate_errors_in_order) {
  backup_state s;
  BOOST_TEST(is(s.truncate_log_info(), jet_errc::no_backup));
  BOOST_TEST(is(s.truncate_log(), jet_errc::no_backup));
  BOOST_TEST(!s.begin(0, running()));
  BOOST_TEST(!s.truncate_log_info());
  BOOST_TEST(is(s.truncate_log(), jet_errc::invalid_backup_sequence));  // no log-info yet
  BOOST_TEST(!s.log_info([] { return 7u; }));
  std::uint32_t h5 = 0, h6 = 0;
  BOOST_TEST(!s.open(log_name(5), lookup, h5));
  BOOST_TEST(is(s.truncate_log(), jet_errc::invalid_backup_sequence));  // a file open
  s.note_read(h5, 8192);
  BOOST_TEST(!s.close(h5));
  BOOST_TEST(is(s.truncate_log(), jet_errc::log_file_not_copied));  // gen 6 not read
  BOOST_TEST(!s.open(log_name(6), lookup, h6));
  s.note_read(h6, 100);
  BOOST_TEST(!s.close(h6));
  BOOST_TEST(is(s.truncate_log(), jet_errc::log_file_not_copied));  // read, but not to its end
  BOOST_TEST(!s.open(log_name(6), lookup, h6));
  s.note_read(h6, 8192);
  BOOST_TEST(!s.close(h6));
  BOOST_TEST(!s.truncate_log());
  s.stop();
  BOOST_TEST(is(s.truncate_log(), jet_errc::backup_abort_by_server));
  BOOST_TEST(is(s.truncate_log_info(), jet_errc::backup_abort_by_server));
}

BOOST_AUTO_TEST_CASE(end_results_and_errors) {
  backup_state s;
  end_result r;
  BOOST_TEST(is(s.end(end_normal, r), jet_errc::no_backup));
  BOOST_TEST(!s.begin(0, running()));
  BOOST_TEST(is(s.end(0, r), jet_errc::invalid_parameter));
  BOOST_TEST(is(s.end(end_normal | end_abort, r), jet_errc::invalid_parameter));
  BOOST_TEST(s.is_open());
  // Normal end still in the database phase: aborted.
  BOOST_TEST(!s.end(end_normal, r));
  BOOST_TEST((r == end_result::aborted));
  BOOST_TEST(!s.is_open());
  // Normal end after log-info: completed.
  s = in_log_phase();
  BOOST_TEST(!s.end(end_normal, r));
  BOOST_TEST((r == end_result::completed));
  // Abort: aborted.
  s = in_log_phase();
  BOOST_TEST(!s.end(end_abort, r));
  BOOST_TEST((r == end_result::aborted));
}

BOOST_AUTO_TEST_CASE(full_backup_that_did_not_copy_every_database_ends_aborted) {
  auto ctx = running();
  ctx.database_files = {"d.jdb"};
  backup_state s;
  end_result r;
  // d.jdb never opened: log-info and a normal end still make it aborted.
  BOOST_TEST_REQUIRE(!s.begin(0, ctx));
  BOOST_TEST_REQUIRE(!s.log_info([] { return 7u; }));
  BOOST_TEST(!s.end(end_normal, r));
  BOOST_TEST((r == end_result::aborted));
  // Opened and read, but closed before its end: aborted.
  BOOST_TEST_REQUIRE(!s.begin(0, ctx));
  std::uint32_t h = 0;
  BOOST_TEST_REQUIRE(!s.open("d.jdb", lookup, h));
  s.note_read(h, 4096);
  BOOST_TEST(!s.close(h));
  BOOST_TEST_REQUIRE(!s.log_info([] { return 7u; }));
  BOOST_TEST(!s.end(end_normal, r));
  BOOST_TEST((r == end_result::aborted));
  // Read to its end: completed.
  BOOST_TEST_REQUIRE(!s.begin(0, ctx));
  BOOST_TEST_REQUIRE(!s.open("d.jdb", lookup, h));
  s.note_read(h, 3 * 4096);
  BOOST_TEST(!s.close(h));
  BOOST_TEST_REQUIRE(!s.log_info([] { return 7u; }));
  BOOST_TEST(!s.end(end_normal, r));
  BOOST_TEST((r == end_result::completed));
  // An incremental copies no database and still completes.
  BOOST_TEST_REQUIRE(!s.begin(backup_incremental, ctx));
  BOOST_TEST_REQUIRE(!s.log_info([] { return 8u; }));
  BOOST_TEST(!s.end(end_normal, r));
  BOOST_TEST((r == end_result::completed));
}

BOOST_AUTO_TEST_CASE(stop_then_end_is_aborted_and_clears_everything) {
  auto s = in_log_phase();
  std::uint32_t h = 0;
  BOOST_TEST(!s.open(log_name(5), lookup, h));
  s.stop();
  s.stop();  // idempotent
  BOOST_TEST(s.stopped());
  end_result r;
  BOOST_TEST(!s.end(end_normal, r));  // S8: end allowed after the stop
  BOOST_TEST((r == end_result::aborted));
  BOOST_TEST(!s.stopped());
  BOOST_TEST(s.handles().empty());
  // A new backup begins and is not stopped.
  BOOST_TEST(!s.begin(0, running()));
  BOOST_TEST(!s.stopped());
  BOOST_TEST(!s.attach_info());
}

BOOST_AUTO_TEST_CASE(stop_without_a_backup_does_not_touch_the_next_one) {
  backup_state s;
  s.stop();
  BOOST_TEST(!s.stopped());
  BOOST_TEST(!s.begin(0, running()));
  BOOST_TEST(!s.stopped());
  BOOST_TEST(!s.attach_info());
}

BOOST_AUTO_TEST_SUITE_END()
