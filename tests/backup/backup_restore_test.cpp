// Whole backups (the driver), offline verify and restore: sets that verify, restores that
// give back exactly what was committed before log-info (full, and full + incremental, with a
// writer running), refusals that change nothing, and stops and cancellations of the driver.
#include "support/backup_helpers.hpp"
#include "support/both_backends.hpp"

#include "jetstrand/backup/streaming_backup.hpp"
#include "jetstrand/error.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/strand.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <fstream>
#include <thread>

using namespace jetstrand;
using namespace jetstrand::backup;
using boost::system::error_code;
namespace fs = std::filesystem;

namespace {

engine_options small(io::backend_kind backend = io::backend_kind::automatic) {
  engine_options o;
  o.file_backend = backend;
  o.storage.page_size = 4096;
  o.storage.log_file_size = 128 << 10;
  // Checkpoints only when the backup asks: every log since the start stays in the copy
  // range, so the sets below hold several generations.
  o.storage.checkpoint_interval = std::chrono::hours(1);
  return o;
}

std::string key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "n%08d", i);
  return buf;
}

// A cache of 62 pages under a database of about 100: backups run while pages are evicted.
engine_options tiny_cache() {
  auto o = small();
  o.cache_size = 256 << 10;
  return o;
}

struct restore_fixture : test::engine_fixture {
  explicit restore_fixture(io::backend_kind backend = io::backend_kind::automatic)
      : restore_fixture(small(backend)) {}
  explicit restore_fixture(engine_options o) : test::engine_fixture(o, 2) {
    inst = create("src");
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
    for (int i = 0; i < 1500; ++i) put(i);
  }
  void put(int i) {
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_put("d", key(i), "v" + std::to_string(i) + std::string(200, 'x'), test::wait).get()));
  }
  error_code restore(std::vector<fs::path> sets, const fs::path& data, restore_report& r,
                     std::string name = {}) {
    restore_options o;
    o.sets = std::move(sets);
    o.data_dir = data;
    o.instance = std::move(name);
    o.storage = small().storage;
    return restore_backup(o, r);
  }

  std::shared_ptr<instance> inst;
};

// A writer committing numbered keys one after the other: `issued` counts puts started,
// `acked` puts completed.
struct numbered_writer {
  explicit numbered_writer(std::shared_ptr<instance> inst, int first) : next(first) {
    issued = acked = first;
    thread = std::thread([this, inst] {
      while (running) {
        issued = next + 1;
        auto [ec] = inst->async_put("d", key(next), "v" + std::to_string(next) + std::string(200, 'x'), test::wait).get();
        if (ec) break;
        acked = ++next;
      }
    });
  }
  ~numbered_writer() { stop(); }
  void stop() {
    running = false;
    if (thread.joinable()) thread.join();
  }
  void wait_for_acked(int n) {
    while (acked < n) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  int next;
  std::atomic<int> issued, acked;
  std::atomic<bool> running{true};
  std::thread thread;
};

// What a backup with a writer running must restore: a prefix of the numbered keys, at least
// every key acknowledged before log-info began and none issued after log-info ended.
struct backup_bounds {
  int acked_before_log_info = -1;
  int issued_after_log_info = -1;
};

driver_options bounded(numbered_writer& w, backup_bounds& b) {
  driver_options o;
  o.buffer_size = 32 * 1024;
  o.progress = [&w, &b](const backup_progress& p) {
    if (p.kind == backup_file_kind::database) {
      b.acked_before_log_info = w.acked;  // log-info has not been called yet
      // Slow the copy down so that commits land during it.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    } else if (b.issued_after_log_info < 0) {
      b.issued_after_log_info = w.issued;  // log-info has completed
    }
  };
  return o;
}

void check_prefix(const test::contents& restored, int lowest_end, int highest_end) {
  int n = 0;
  for (const auto& [k, v] : restored) {
    BOOST_TEST_REQUIRE(k == key(n), "restored keys have a hole at " << n);
    BOOST_TEST_REQUIRE(v == "v" + std::to_string(n) + std::string(200, 'x'));
    ++n;
  }
  BOOST_TEST(n >= lowest_end, "restored " << n << " keys, " << lowest_end << " were acknowledged before log-info");
  BOOST_TEST(n <= highest_end, "restored " << n << " keys, only " << highest_end << " were issued by the end of log-info");
}

void copy_tree(const fs::path& from, const fs::path& to) {
  fs::copy(from, to, fs::copy_options::recursive);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(backup_restore)

BOTH_BACKENDS(driver_writes_a_set_that_verifies) {
  restore_fixture f(kind);
  std::vector<backup_progress> seen;
  driver_options o;
  o.buffer_size = 32 * 1024;
  o.progress = [&](const backup_progress& p) { seen.push_back(p); };
  auto out = f.dir / "set";
  auto [ec, report] = test::run_backup(f, f.inst, out, o);
  BOOST_TEST_REQUIRE(!ec, ec.message());
  BOOST_TEST((report.result == end_result::completed));
  const auto& m = report.manifest;
  BOOST_TEST(m.instance == "src");
  BOOST_TEST((m.kind == set_kind::full));
  BOOST_TEST_REQUIRE(m.files.size() >= 3u);  // the database and several generations
  BOOST_TEST(m.files.front().name == "d.jdb");
  BOOST_TEST(m.generation_high - m.generation_low == m.files.size() - 1);
  BOOST_TEST(report.bytes == m.total_bytes());
  BOOST_TEST(fs::exists(out / manifest_file_name));
  BOOST_TEST(!fs::exists(out / incomplete_marker_name));

  // Progress: bytes only grow, every file is reported up to its size, the last event is
  // the whole backup.
  BOOST_TEST_REQUIRE(!seen.empty());
  for (std::size_t i = 1; i < seen.size(); ++i) BOOST_TEST_REQUIRE(seen[i].bytes_done > seen[i - 1].bytes_done);
  BOOST_TEST(seen.back().bytes_done == report.bytes);
  for (const auto& file : m.files) {
    auto last = std::find_if(seen.rbegin(), seen.rend(), [&](const auto& p) { return p.file == file.name; });
    if (file.size == 0) continue;
    BOOST_TEST_REQUIRE((last != seen.rend()), file.name);
    BOOST_TEST(last->file_bytes_done == file.size);
    BOOST_TEST(last->file_bytes_total == file.size);
  }

  verify_report v;
  BOOST_TEST(!verify_backup_set(out, v), v.problem);
  BOOST_TEST(v.files == m.files.size());
  BOOST_TEST(v.bytes == m.total_bytes());
  BOOST_TEST(v.log_records >= 1500u);
  // A second backup into the same directory is refused before anything starts.
  auto [ec2, r2] = test::run_backup(f, f.inst, out);
  BOOST_TEST((ec2 == jet_errc::invalid_parameter));
  BOOST_TEST(!std::get<0>(async_begin_backup(f.inst, 0, test::wait).get()));  // none left open
  BOOST_TEST(!std::get<0>(async_end_backup(f.inst, end_abort, test::wait).get()));
}

BOTH_BACKENDS(restore_gives_back_every_key) {
  restore_fixture f(kind);
  f.inst->async_erase("d", key(7), test::wait).get();
  auto [ec, report] = test::run_backup(f, f.inst, f.dir / "set");
  BOOST_TEST_REQUIRE(!ec, ec.message());
  restore_report r;
  auto data = f.dir / "restored";
  BOOST_TEST_REQUIRE(!f.restore({f.dir / "set"}, data, r), r.problem);
  BOOST_TEST(r.instance == "src");
  BOOST_TEST(r.directory == data / "src");
  BOOST_TEST((r.databases == std::vector<std::string>{"d"}));
  BOOST_TEST(r.records_replayed >= 1500u);
  BOOST_TEST(!fs::exists(data / ".restore-src"));
  auto restored = test::read_instance(data, "src", "d", kind);
  BOOST_TEST(restored.size() == 1499u);
  BOOST_TEST(!restored.count(key(7)));
  BOOST_TEST((restored == test::read_live(f.inst, "d")));

  // The same set restores under another name next to it.
  restore_report r2;
  BOOST_TEST_REQUIRE(!f.restore({f.dir / "set"}, data, r2, "copy"), r2.problem);
  BOOST_TEST((test::read_instance(data, "copy", "d", kind) == restored));
}

// A full backup while a writer commits, then a restore: it holds what was acknowledged
// before log-info, and nothing issued after it.
void backup_during_writes_restores_a_prefix(restore_fixture& f) {
  numbered_writer w(f.inst, 1500);
  w.wait_for_acked(1520);
  backup_bounds b;
  auto [ec, report] = test::run_backup(f, f.inst, f.dir / "full", bounded(w, b));
  w.stop();
  BOOST_TEST_REQUIRE(!ec, ec.message());
  BOOST_TEST_REQUIRE(b.acked_before_log_info >= 1520);
  BOOST_TEST_REQUIRE(b.issued_after_log_info > 0);
  BOOST_TEST_MESSAGE("acked before log-info " << b.acked_before_log_info << ", issued after "
                     << b.issued_after_log_info << ", acked in all " << w.acked);
  restore_report r;
  BOOST_TEST_REQUIRE(!f.restore({f.dir / "full"}, f.dir / "restored", r), r.problem);
  check_prefix(test::read_instance(f.dir / "restored", "src", "d"), b.acked_before_log_info,
               b.issued_after_log_info);
}

BOOST_AUTO_TEST_CASE(full_backup_restores_what_was_committed_before_log_info) {
  restore_fixture f;
  backup_during_writes_restores_a_prefix(f);
}

BOOST_AUTO_TEST_CASE(a_backup_while_a_tiny_cache_evicts_under_writes_restores_what_was_committed_before_log_info) {
  restore_fixture f(tiny_cache());
  backup_during_writes_restores_a_prefix(f);
  auto [sec, stats] = f.inst->async_stats(test::wait).get();
  BOOST_TEST_REQUIRE(!sec);
  BOOST_TEST(stats.cache_evictions > 0u);
  BOOST_TEST(stats.cache_peak_bytes <= stats.cache_budget);
}

BOOST_AUTO_TEST_CASE(a_stop_during_a_backup_with_a_tiny_cache_ends_it_and_the_next_one_restores) {
  restore_fixture f(tiny_cache());
  numbered_writer w(f.inst, 1500);
  w.wait_for_acked(1520);
  driver_options o;
  o.buffer_size = 32 * 1024;
  int events = 0;
  o.progress = [&](const backup_progress&) {
    if (events++ == 2) async_stop_backup(f.inst, [](error_code) {});
  };
  auto [ec, report] = test::run_backup(f, f.inst, f.dir / "stopped", o);
  BOOST_TEST((ec == jet_errc::backup_abort_by_server), ec.message());
  BOOST_TEST((report.result == end_result::aborted));
  w.stop();
  auto [ec2, report2] = test::run_backup(f, f.inst, f.dir / "next");
  BOOST_TEST_REQUIRE(!ec2, ec2.message());
  restore_report r;
  BOOST_TEST_REQUIRE(!f.restore({f.dir / "next"}, f.dir / "restored", r), r.problem);
  BOOST_TEST((test::read_instance(f.dir / "restored", "src", "d") == test::read_live(f.inst, "d")));
}

BOOST_AUTO_TEST_CASE(full_plus_incremental_restores_what_was_committed_before_the_last_log_info) {
  restore_fixture f;
  numbered_writer w(f.inst, 1500);
  w.wait_for_acked(1510);
  backup_bounds full_bounds;
  auto [fec, full] = test::run_backup(f, f.inst, f.dir / "full", bounded(w, full_bounds));
  BOOST_TEST_REQUIRE(!fec, fec.message());
  w.wait_for_acked(w.acked + 100);  // commits that only the incremental holds

  backup_bounds inc_bounds;
  inc_bounds.acked_before_log_info = w.acked;  // an incremental calls log-info first thing
  auto o = bounded(w, inc_bounds);
  o.incremental = true;
  auto [iec, inc] = test::run_backup(f, f.inst, f.dir / "inc", o);
  const int issued_at_end = w.issued;
  w.stop();
  BOOST_TEST_REQUIRE(!iec, iec.message());
  BOOST_TEST((inc.manifest.kind == set_kind::incremental));
  BOOST_TEST(inc.manifest.generation_low == full.manifest.generation_high);
  for (const auto& file : inc.manifest.files) BOOST_TEST((file.kind == backup_file_kind::log));
  if (inc_bounds.issued_after_log_info < 0) inc_bounds.issued_after_log_info = issued_at_end;

  verify_report v;
  BOOST_TEST(!verify_backup_chain({f.dir / "full", f.dir / "inc"}, v), v.problem);
  restore_report r;
  BOOST_TEST_REQUIRE(!f.restore({f.dir / "full", f.dir / "inc"}, f.dir / "restored", r), r.problem);
  check_prefix(test::read_instance(f.dir / "restored", "src", "d"), inc_bounds.acked_before_log_info,
               inc_bounds.issued_after_log_info);
  // The full set alone restores the older state.
  restore_report r_full;
  BOOST_TEST_REQUIRE(!f.restore({f.dir / "full"}, f.dir / "restored-full", r_full), r_full.problem);
  check_prefix(test::read_instance(f.dir / "restored-full", "src", "d"),
               full_bounds.acked_before_log_info, full_bounds.issued_after_log_info);
}

BOOST_AUTO_TEST_CASE(restore_refusals_change_nothing) {
  restore_fixture f;
  auto [ec, full] = test::run_backup(f, f.inst, f.dir / "full");
  BOOST_TEST_REQUIRE(!ec);
  for (int i = 0; i < 200; ++i) f.put(2000 + i);
  driver_options inc_options;
  inc_options.incremental = true;
  BOOST_TEST_REQUIRE(!test::run_backup(f, f.inst, f.dir / "inc1", inc_options).ec);
  for (int i = 0; i < 200; ++i) f.put(3000 + i);
  BOOST_TEST_REQUIRE(!test::run_backup(f, f.inst, f.dir / "inc2", inc_options).ec);
  const auto& logs = full.manifest.files;
  BOOST_TEST_REQUIRE(logs.size() >= 3u);

  int variant = 0;
  // Copies the full set, lets `damage` change the copy, and expects restore to refuse it
  // with `expected` leaving no trace in the data directory.
  auto refused = [&](jet_errc expected, auto damage, std::vector<fs::path> extra = {}) {
    auto set = f.dir / ("variant" + std::to_string(++variant));
    copy_tree(f.dir / "full", set);
    damage(set);
    std::vector<fs::path> sets{set};
    sets.insert(sets.end(), extra.begin(), extra.end());
    auto data = f.dir / ("data" + std::to_string(variant));
    restore_report r;
    auto rec = f.restore(sets, data, r);
    BOOST_TEST(rec == make_error_code(expected), "variant " << variant << ": " << rec.message() << " / " << r.problem);
    BOOST_TEST(!r.problem.empty());
    BOOST_TEST(!fs::exists(data), "variant " << variant << " left " << data);
  };
  auto remove_file = [](std::string name) {
    return [name](const fs::path& set) { fs::remove(set / "logs" / name); };
  };
  refused(jet_errc::starting_restore_log_too_high, remove_file(logs[1].name));
  refused(jet_errc::ending_restore_log_too_low, remove_file(logs.back().name));
  refused(jet_errc::restore_of_non_backup_database,
          [](const fs::path& set) { std::ofstream(set / incomplete_marker_name) << "interrupted\n"; });
  refused(jet_errc::restore_of_non_backup_database, [](const fs::path& set) { fs::remove(set / manifest_file_name); });
  refused(jet_errc::restore_of_non_backup_database,
          [](const fs::path& set) { std::ofstream(set / manifest_file_name) << "{\"format\":\"something else\"}"; });
  refused(jet_errc::read_verify_failure, [](const fs::path& set) {
    std::fstream db(set / "databases" / "d.jdb", std::ios::in | std::ios::out | std::ios::binary);
    db.seekp(3 * 4096 + 100);
    db.put('\x5a');
  });
  refused(jet_errc::file_not_found, [](const fs::path& set) { fs::remove(set / "databases" / "d.jdb"); });
  // A chain with a hole (the first incremental left out), and an incremental alone.
  refused(jet_errc::starting_restore_log_too_high, [](const fs::path&) {}, {f.dir / "inc2"});
  {
    restore_report r;
    BOOST_TEST((f.restore({f.dir / "inc1"}, f.dir / "data-inc", r) == jet_errc::restore_of_non_backup_database));
    BOOST_TEST(!fs::exists(f.dir / "data-inc"));
  }
  // An instance directory that exists is never overwritten.
  auto data = f.dir / "occupied";
  fs::create_directories(data / "src");
  std::ofstream(data / "src" / "keep") << "mine";
  restore_report r;
  BOOST_TEST((f.restore({f.dir / "full"}, data, r) == jet_errc::instance_name_in_use));
  BOOST_TEST((std::vector<fs::path>(fs::directory_iterator(data / "src"), {}) ==
              std::vector<fs::path>{data / "src" / "keep"}));
  BOOST_TEST(!fs::exists(data / ".restore-src"));
  // And the good chain restores.
  restore_report good;
  BOOST_TEST(!f.restore({f.dir / "full", f.dir / "inc1", f.dir / "inc2"}, f.dir / "good", good), good.problem);
  BOOST_TEST((test::read_instance(f.dir / "good", "src", "d") == test::read_live(f.inst, "d")));
}

BOOST_AUTO_TEST_CASE(verify_names_the_damaged_file) {
  restore_fixture f;
  auto [ec, report] = test::run_backup(f, f.inst, f.dir / "set");
  BOOST_TEST_REQUIRE(!ec);
  const auto log = report.manifest.files.back();
  {
    std::fstream file(f.dir / "set" / log.relative_path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(log.size / 2));
    file.put('\x01');
  }
  verify_report v;
  BOOST_TEST((verify_backup_set(f.dir / "set", v) == jet_errc::read_verify_failure));
  BOOST_TEST(v.problem.find(log.name) != std::string::npos, v.problem);
}

BOOST_AUTO_TEST_CASE(a_stop_leaves_an_incomplete_set_and_the_next_backup_restores) {
  restore_fixture f;
  driver_options o;
  o.buffer_size = 32 * 1024;
  int events = 0;
  o.progress = [&](const backup_progress&) {
    if (events++ == 0) async_stop_backup(f.inst, [](error_code) {});
  };
  auto [ec, report] = test::run_backup(f, f.inst, f.dir / "stopped", o);
  BOOST_TEST((ec == jet_errc::backup_abort_by_server), ec.message());
  BOOST_TEST((report.result == end_result::aborted));
  BOOST_TEST(!fs::exists(f.dir / "stopped" / manifest_file_name));
  std::ifstream marker(f.dir / "stopped" / incomplete_marker_name);
  std::string reason((std::istreambuf_iterator<char>(marker)), {});
  BOOST_TEST(reason.find("did not complete") != std::string::npos, reason);
  verify_report v;
  BOOST_TEST((verify_backup_set(f.dir / "stopped", v) == jet_errc::restore_of_non_backup_database));
  BOOST_TEST(v.problem.find("INCOMPLETE") != std::string::npos, v.problem);

  auto [ec2, report2] = test::run_backup(f, f.inst, f.dir / "next");
  BOOST_TEST_REQUIRE(!ec2, ec2.message());
  restore_report r;
  BOOST_TEST_REQUIRE(!f.restore({f.dir / "next"}, f.dir / "restored", r), r.problem);
  BOOST_TEST((test::read_instance(f.dir / "restored", "src", "d") == test::read_live(f.inst, "d")));
}

BOOST_AUTO_TEST_CASE(caller_cancellation_ends_the_backup_with_operation_aborted) {
  restore_fixture f;
  auto strand = boost::asio::make_strand(f.io);
  boost::asio::cancellation_signal cancel;
  driver_options o;
  o.buffer_size = 32 * 1024;
  int events = 0;
  // Progress runs on the driver's strand, where the signal may be emitted.
  o.progress = [&](const backup_progress&) {
    if (events++ == 1) cancel.emit(boost::asio::cancellation_type::terminal);
  };
  directory_sink sink(f.dir / "cancelled");
  auto [ec, report] = async_run_backup(strand, f.inst, sink, o,
                                       boost::asio::bind_cancellation_slot(cancel.slot(), test::wait))
                          .get();
  BOOST_TEST((ec == boost::asio::error::operation_aborted), ec.message());
  BOOST_TEST((report.result == end_result::aborted));
  // The cancellation reaches the driver's strand after the call that emitted it: the read
  // already running then (the driver reads one buffer ahead) may still deliver its buffer.
  BOOST_TEST(events >= 2);
  BOOST_TEST(events <= 3);
  BOOST_TEST(fs::exists(f.dir / "cancelled" / incomplete_marker_name));
  // The instance's backup was ended: a new one can begin, and it is not stopped.
  BOOST_TEST_REQUIRE(!std::get<0>(async_begin_backup(f.inst, 0, test::wait).get()));
  auto [aec, files] = async_attach_info(f.inst, test::wait).get();
  BOOST_TEST(!aec);
  BOOST_TEST(!std::get<0>(async_end_backup(f.inst, end_abort, test::wait).get()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(the_last_completed_backup_is_recorded_and_survives_a_restart) {
  restore_fixture f;
  auto last = [](std::shared_ptr<instance> inst) {
    auto [ec, b] = async_last_backup(inst, test::wait).get();
    BOOST_TEST_REQUIRE(!ec);
    return b;
  };
  BOOST_TEST(!last(f.inst).has_value());
  const auto before = std::chrono::system_clock::now() - std::chrono::seconds(1);
  auto [fec, full] = test::run_backup(f, f.inst, f.dir / "full", {});
  BOOST_TEST_REQUIRE(!fec, fec.message());
  auto b = last(f.inst);
  BOOST_TEST_REQUIRE(b.has_value());
  BOOST_TEST(!b->incremental);
  BOOST_TEST((b->completed_at >= before && b->completed_at <= std::chrono::system_clock::now()));
  BOOST_TEST(b->gen_high == full.manifest.generation_high);

  // An aborted backup changes nothing; a completed incremental is the newest.
  BOOST_TEST_REQUIRE(!std::get<0>(async_begin_backup(f.inst, backup_incremental, test::wait).get()));
  BOOST_TEST((std::get<1>(async_end_backup(f.inst, end_abort, test::wait).get()) == end_result::aborted));
  BOOST_TEST(!last(f.inst)->incremental);
  f.put(2000);
  driver_options inc;
  inc.incremental = true;
  auto [iec, incremental] = test::run_backup(f, f.inst, f.dir / "inc", inc);
  BOOST_TEST_REQUIRE(!iec, iec.message());
  b = last(f.inst);
  BOOST_TEST_REQUIRE(b.has_value());
  BOOST_TEST(b->incremental);
  BOOST_TEST(b->gen_high == incremental.manifest.generation_high);

  // A restart reads it back from the database headers.
  BOOST_TEST_REQUIRE(!std::get<0>(f.inst->async_terminate(terminate_mode::complete, test::wait).get()));
  auto o = small();
  o.data_dir = f.dir / "data";
  engine again(o);
  auto [oec, reopened] = again.async_create_instance("src", test::wait).get();
  BOOST_TEST_REQUIRE(!oec, oec.message());
  auto after = last(reopened);
  BOOST_TEST_REQUIRE(after.has_value());
  BOOST_TEST(after->incremental);
  BOOST_TEST((after->completed_at == b->completed_at));
  std::get<0>(reopened->async_terminate(terminate_mode::complete, test::wait).get());
}
