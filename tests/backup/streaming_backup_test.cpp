// The streaming backup through its public async API: the whole sequence, the seed
// statements S1-S9, caller cancellation, terminate interplay, and stops during reads.
#include "support/backup_helpers.hpp"
#include "support/on_strand.hpp"

#include "jetstrand/backup/streaming_backup.hpp"
#include "jetstrand/error.hpp"
#include "storage/instance_storage.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <fstream>
#include <future>
#include <thread>
#include <random>
#include <set>

using namespace jetstrand;
using namespace jetstrand::backup;
using boost::system::error_code;

namespace {

engine_options small(instance_mode mode = instance_mode::multi) {
  engine_options o;
  o.mode = mode;
  o.storage.page_size = 4096;
  o.storage.log_file_size = 128 << 10;
  o.storage.checkpoint_interval = std::chrono::milliseconds(20);
  return o;
}

struct backup_fixture : test::engine_fixture {
  explicit backup_fixture(engine_options o = small()) : test::engine_fixture(o, 2) {
    inst = create("b");
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
    for (int i = 0; i < 1500; ++i) {
      BOOST_TEST_REQUIRE(!std::get<0>(inst->async_put("d", "k" + std::to_string(i), std::string(200, 'x'), test::wait).get()));
    }
  }
  error_code begin(unsigned flags = 0) { return std::get<0>(async_begin_backup(inst, flags, test::wait).get()); }
  std::pair<error_code, std::vector<std::string>> attach_info() {
    auto [ec, f] = async_attach_info(inst, test::wait).get();
    return {ec, f};
  }
  std::tuple<error_code, std::uint32_t, std::uint64_t> open(const std::string& name) {
    return async_open_file(inst, name, test::wait).get();
  }
  std::pair<error_code, std::size_t> read(std::uint32_t h, std::vector<char>& buf) {
    auto [ec, n] = async_read_file(inst, h, boost::asio::buffer(buf), test::wait).get();
    return {ec, n};
  }
  error_code close(std::uint32_t h) { return std::get<0>(async_close_file(inst, h, test::wait).get()); }
  std::pair<error_code, log_range> log_info() {
    auto [ec, r] = async_log_info(inst, test::wait).get();
    return {ec, r};
  }
  std::pair<error_code, end_result> end(unsigned mode = end_normal) {
    auto [ec, r] = async_end_backup(inst, mode, test::wait).get();
    return {ec, r};
  }
  error_code stop() { return std::get<0>(async_stop_backup(inst, test::wait).get()); }
  // Begins a full backup, copies the database and asks for the log range (not empty).
  log_range full_backup_up_to_log_info() {
    BOOST_TEST_REQUIRE(!begin());
    copy("d.jdb");
    auto [ec, range] = log_info();
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST_REQUIRE(!range.files.empty());
    return range;
  }
  // Opens, reads to the end and closes one file; returns its bytes.
  std::string copy(const std::string& name) {
    auto [ec, h, size] = open(name);
    BOOST_TEST_REQUIRE(!ec, name << ": " << ec.message());
    std::string out;
    std::vector<char> buf(64 * 1024);
    while (true) {
      auto [rec, n] = read(h, buf);
      BOOST_TEST_REQUIRE(!rec, rec.message());
      if (n == 0) break;
      out.append(buf.data(), n);
    }
    BOOST_TEST_REQUIRE(out.size() == size);
    BOOST_TEST_REQUIRE(!close(h));
    return out;
  }

  std::shared_ptr<instance> inst;
};

bool is(error_code ec, jet_errc e) { return ec == e; }

// Trials per chain count: 100, or JETSTRAND_STOP_TRIALS (fewer under ThreadSanitizer, more in
// a soak).
int stop_trials() {
  if (const char* env = std::getenv("JETSTRAND_STOP_TRIALS")) return std::max(1, std::atoi(env));
  return 100;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(streaming_backup)

BOOST_AUTO_TEST_CASE(full_sequence_completes_and_records_the_backup) {
  backup_fixture f;
  BOOST_TEST_REQUIRE(!f.begin());
  auto [aec, files] = f.attach_info();
  BOOST_TEST(!aec);
  BOOST_TEST((files == std::vector<std::string>{"d.jdb"}));
  auto db = f.copy("d.jdb");
  BOOST_TEST(db.size() % 4096 == 0u);
  auto [lec, range] = f.log_info();
  BOOST_TEST_REQUIRE(!lec);
  BOOST_TEST(range.generation_low < range.generation_high);  // log-info rolled: never empty
  for (const auto& log : range.files) f.copy(log);
  auto [tec, doomed] = async_truncate_log_info(f.inst, test::wait).get();
  BOOST_TEST(!tec);
  BOOST_TEST(!std::get<0>(async_truncate_log(f.inst, test::wait).get()));
  auto [eec, result] = f.end();
  BOOST_TEST(!eec);
  BOOST_TEST((result == end_result::completed));
  // The database now has a full backup: an incremental may begin (else -560).
  BOOST_TEST(!std::get<0>(f.inst->async_checkpoint(test::wait).get()));
  BOOST_TEST(!f.begin(backup_incremental));
  BOOST_TEST(!f.end(end_abort).first);
}

BOOST_AUTO_TEST_CASE(backup_options_are_checked_and_apply_to_the_next_backup) {
  backup_fixture f;
  auto set = [&](backup_options o) { return std::get<0>(async_set_backup_options(f.inst, o, test::wait).get()); };
  backup_options bad_chunk, bad_depth, bad_files;
  bad_chunk.chunk_size = 0;
  bad_depth.read_ahead = 5;
  bad_files.max_open_files = 0;
  for (const auto& o : {bad_chunk, bad_depth, bad_files}) BOOST_TEST((set(o) == jet_errc::invalid_parameter));
  // The same bytes with one chunk in flight and with four: each copy is the pinned file
  // itself (read from disk while the backup pins it; the header pages come from memory).
  // Two backups may see files of different sizes: checkpoints move pages and cut the tail.
  const auto db_path = f.dir.path() / "data" / "b" / "databases" / "d.jdb";
  auto file_bytes = [&](std::uint64_t size) {
    std::ifstream in(db_path, std::ios::binary);
    std::string bytes(size, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(size));
    return bytes;
  };
  backup_options one;
  one.chunk_size = 8 * 1024;
  one.read_ahead = 1;
  one.max_open_files = 1;
  BOOST_TEST_REQUIRE(!set(one));
  BOOST_TEST_REQUIRE(!f.begin());
  BOOST_TEST((set(backup_options{}) == jet_errc::backup_in_progress));  // not while a backup is open
  BOOST_TEST_REQUIRE(!f.attach_info().first);
  auto [oec, h, size] = f.open("d.jdb");
  BOOST_TEST_REQUIRE(!oec);
  BOOST_TEST((std::get<0>(f.open("d.jdb")) == jet_errc::out_of_file_handles));  // max_open_files 1
  BOOST_TEST(!f.close(h));
  const auto serial = f.copy("d.jdb");
  BOOST_TEST_REQUIRE(serial.size() == size);
  BOOST_TEST((serial.compare(2 * 4096, size - 2 * 4096, file_bytes(size), 2 * 4096) == 0));
  BOOST_TEST(!f.end(end_abort).first);
  backup_options four;
  four.chunk_size = 8 * 1024;  // 64 KiB reads: eight chunks, four at a time
  BOOST_TEST_REQUIRE(!set(four));
  BOOST_TEST_REQUIRE(!f.begin());
  BOOST_TEST_REQUIRE(!f.attach_info().first);
  const auto ahead = f.copy("d.jdb");
  BOOST_TEST_REQUIRE(ahead.size() > 2 * 4096u);
  BOOST_TEST((ahead.compare(2 * 4096, ahead.size() - 2 * 4096, file_bytes(ahead.size()), 2 * 4096) == 0));
  BOOST_TEST(!f.end(end_abort).first);
}

BOOST_AUTO_TEST_CASE(status_follows_every_file_and_shows_the_stop) {
  backup_fixture f;
  auto status = [&] { return std::get<1>(async_backup_status(f.inst, test::wait).get()); };
  BOOST_TEST(!status().has_value());  // no backup open
  BOOST_TEST_REQUIRE(!f.begin());
  auto s = status();
  BOOST_TEST_REQUIRE(s.has_value());
  BOOST_TEST((s->state == backup_phase::databases));
  BOOST_TEST_REQUIRE(s->files.size() == 1u);
  BOOST_TEST(s->files[0].name == "d.jdb");
  BOOST_TEST((s->files[0].state == file_state::pending));
  const auto db_size = s->files[0].size;
  BOOST_TEST(db_size > 0u);
  BOOST_TEST(s->bytes_read == 0u);

  auto [oec, h, size] = f.open("d.jdb");
  BOOST_TEST_REQUIRE(!oec);
  std::vector<char> part(8192);
  BOOST_TEST_REQUIRE(!f.read(h, part).first);
  s = status();
  BOOST_TEST((s->files[0].state == file_state::reading));
  BOOST_TEST(s->files[0].bytes_read == 8192u);
  BOOST_TEST_REQUIRE(!f.close(h));
  BOOST_TEST((status()->files[0].state == file_state::partial));
  f.copy("d.jdb");
  BOOST_TEST((status()->files[0].state == file_state::copied));

  auto [lec, range] = f.log_info();
  BOOST_TEST_REQUIRE(!lec);
  s = status();
  BOOST_TEST((s->state == backup_phase::logs));
  BOOST_TEST(s->files.size() == 1 + range.files.size());
  BOOST_TEST(s->bytes_read == db_size);
  BOOST_TEST(s->bytes_total > db_size);

  // A stop: the file being copied shows -801, the backup shows the stop.
  auto [o2, log_h, log_size] = f.open(range.files.front());
  BOOST_TEST_REQUIRE(!o2);
  BOOST_TEST_REQUIRE(range.files.size() >= 1u);
  BOOST_TEST(!f.stop());
  BOOST_TEST((f.read(log_h, part).first == jet_errc::backup_abort_by_server));
  s = status();
  BOOST_TEST((s->state == backup_phase::stopped));
  BOOST_TEST(s->stop_requested);
  BOOST_TEST((s->files[1].state == file_state::failed));
  BOOST_TEST(s->files[1].error == -801);
  BOOST_TEST(!f.close(log_h));
  BOOST_TEST((status()->files[1].state == file_state::failed));  // stays visible
  BOOST_TEST((f.end().second == end_result::aborted));
  BOOST_TEST(!status().has_value());
}

// S7: every file open at the stop fails with -801, also one nobody was reading at that
// moment (a download waiting on a slow client).
BOOST_AUTO_TEST_CASE(every_file_open_at_a_stop_shows_failed_with_801) {
  backup_fixture f;
  auto status = [&] { return std::get<1>(async_backup_status(f.inst, test::wait).get()); };
  BOOST_TEST_REQUIRE(!f.begin());
  auto [o1, h1, s1] = f.open("d.jdb");
  auto [o2, h2, s2] = f.open("d.jdb");
  BOOST_TEST_REQUIRE((!o1 && !o2));
  std::vector<char> part(8192);
  BOOST_TEST_REQUIRE(!f.read(h1, part).first);  // read once, then idle: no read in flight
  BOOST_TEST(!f.stop());
  auto s = status();
  BOOST_TEST_REQUIRE(s.has_value());
  BOOST_TEST_REQUIRE(s->files.size() == 1u);
  BOOST_TEST((s->files[0].state == file_state::failed));
  BOOST_TEST(s->files[0].error == -801);
  BOOST_TEST(!f.close(h1));
  BOOST_TEST(!f.close(h2));
  BOOST_TEST((status()->files[0].state == file_state::failed));
  BOOST_TEST((f.end().second == end_result::aborted));
  BOOST_TEST(!status().has_value());
}

BOOST_AUTO_TEST_CASE(incremental_without_a_full_backup_is_560) {
  backup_fixture f;
  BOOST_TEST(is(f.begin(backup_incremental), jet_errc::missing_full_backup));
  BOOST_TEST(is(f.begin(0x40), jet_errc::invalid_grbit));
  BOOST_TEST(!f.begin());
  BOOST_TEST(is(f.begin(), jet_errc::backup_in_progress));
}

BOOST_AUTO_TEST_CASE(s1_s5_s7_s8_after_a_stop_only_close_and_end_work) {
  backup_fixture f;
  BOOST_TEST_REQUIRE(!f.begin());
  auto [oec, h, size] = f.open("d.jdb");
  BOOST_TEST_REQUIRE(!oec);
  BOOST_TEST(!f.stop());
  BOOST_TEST(!f.stop());  // idempotent
  std::vector<char> buf(8192);
  BOOST_TEST(is(f.read(h, buf).first, jet_errc::backup_abort_by_server));  // S7: progress fails
  BOOST_TEST(is(f.attach_info().first, jet_errc::backup_abort_by_server));
  BOOST_TEST(is(std::get<0>(f.open("d.jdb")), jet_errc::backup_abort_by_server));
  BOOST_TEST(is(f.log_info().first, jet_errc::backup_abort_by_server));
  BOOST_TEST(is(std::get<0>(async_truncate_log_info(f.inst, test::wait).get()), jet_errc::backup_abort_by_server));
  BOOST_TEST(is(std::get<0>(async_truncate_log(f.inst, test::wait).get()), jet_errc::backup_abort_by_server));
  BOOST_TEST(is(f.begin(), jet_errc::backup_in_progress));  // still open until ended
  BOOST_TEST(!f.close(h));                                  // S8
  auto [eec, result] = f.end();                             // S8
  BOOST_TEST(!eec);
  BOOST_TEST((result == end_result::aborted));
  // A new backup begins and completes.
  BOOST_TEST_REQUIRE(!f.begin());
  f.copy("d.jdb");
  BOOST_TEST(!f.log_info().first);
  BOOST_TEST((f.end().second == end_result::completed));
}

BOOST_AUTO_TEST_CASE(s2_legacy_stop_in_one_instance_mode) {
  backup_fixture f(small(instance_mode::one));
  BOOST_TEST_REQUIRE(!f.begin());
  BOOST_TEST(!std::get<0>(async_stop_backup(*f.eng, test::wait).get()));
  BOOST_TEST(is(f.attach_info().first, jet_errc::backup_abort_by_server));
  BOOST_TEST((f.end().second == end_result::aborted));
}

BOOST_AUTO_TEST_CASE(s3_s6_legacy_stop_in_multi_instance_mode_fails_and_changes_nothing) {
  backup_fixture f;
  BOOST_TEST_REQUIRE(!f.begin());
  BOOST_TEST(is(std::get<0>(async_stop_backup(*f.eng, test::wait).get()), jet_errc::running_in_multi_instance_mode));
  BOOST_TEST(!f.attach_info().first);  // the backup goes on
  f.copy("d.jdb");
  BOOST_TEST(!f.log_info().first);
  BOOST_TEST((f.end().second == end_result::completed));
}

BOOST_AUTO_TEST_CASE(s4_s6_stop_of_an_instance_not_running_is_1003_and_changes_nothing) {
  backup_fixture f;
  error_code ec;
  auto idle = f.eng->create_instance("idle", ec);  // created, never initialised
  BOOST_TEST(is(std::get<0>(async_stop_backup(idle, test::wait).get()), jet_errc::invalid_parameter));
  auto gone = f.create("gone");
  BOOST_TEST(!f.terminate(*gone));
  BOOST_TEST(is(std::get<0>(async_stop_backup(gone, test::wait).get()), jet_errc::invalid_parameter));
  // The running instance's backup is untouched.
  BOOST_TEST_REQUIRE(!f.begin());
  BOOST_TEST(!f.attach_info().first);
  BOOST_TEST(!f.end(end_abort).first);
}

BOOST_AUTO_TEST_CASE(stop_without_a_backup_has_no_effect_on_the_next) {
  backup_fixture f;
  BOOST_TEST(!f.stop());
  BOOST_TEST_REQUIRE(!f.begin());
  BOOST_TEST(!f.attach_info().first);
  BOOST_TEST(!f.end(end_abort).first);
}

BOOST_AUTO_TEST_CASE(caller_cancellation_ends_one_read_and_keeps_the_backup) {
  backup_fixture f;
  BOOST_TEST_REQUIRE(!f.begin());
  auto [oec, h, size] = f.open("d.jdb");
  BOOST_TEST_REQUIRE(!oec);
  std::vector<char> buf(size);
  auto mine = boost::asio::make_strand(f.io);
  boost::asio::cancellation_signal signal;
  std::promise<std::pair<error_code, std::size_t>> result;
  // The instance's strand is held until the cancellation has been emitted, so the read
  // cannot finish first on another thread.
  std::promise<void> emitted;
  boost::asio::post(f.inst->get_executor(), [done = emitted.get_future().share()] { done.wait(); });
  boost::asio::post(mine, [&] {
    async_read_file(f.inst, h, boost::asio::buffer(buf),
                    boost::asio::bind_cancellation_slot(signal.slot(), boost::asio::bind_executor(mine, [&](error_code ec, std::size_t n) {
                      result.set_value({ec, n});
                    })));
    signal.emit(boost::asio::cancellation_type::terminal);
    emitted.set_value();
  });
  auto [ec, n] = result.get_future().get();
  BOOST_TEST((ec == boost::asio::error::operation_aborted));
  BOOST_TEST(n < size);
  // The backup goes on: the rest of the file reads fine.
  std::vector<char> rest(size);
  auto [rec, more] = f.read(h, rest);
  BOOST_TEST(!rec);
  BOOST_TEST(n + more == size);
  BOOST_TEST(!f.close(h));
  BOOST_TEST(!f.end(end_abort).first);
}

// The log's generations (gen-<hex>.log). Not the next one, made ahead under a temporary
// name by the file layer's threads after a roll: it appears whenever they get to it (under a
// loaded sanitizer run, after a test's first listing: seen in CI), and it is no log.
std::set<std::string> log_files(const std::filesystem::path& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    auto name = e.path().filename().string();
    if (name.ends_with(".log")) out.insert(std::move(name));
  }
  return out;
}

BOOST_AUTO_TEST_CASE(an_aborted_backup_records_nothing_and_deletes_no_log) {
  backup_fixture f;
  const auto logs = f.dir / "data" / "b" / "logs";
  const auto range = f.full_backup_up_to_log_info();
  for (const auto& log : range.files) f.copy(log);
  const auto before = log_files(logs);
  BOOST_TEST(!f.stop());
  BOOST_TEST(is(std::get<0>(async_truncate_log(f.inst, test::wait).get()), jet_errc::backup_abort_by_server));
  BOOST_TEST((f.end().second == end_result::aborted));
  BOOST_TEST((log_files(logs) == before));  // every log is still there
  // No full backup was recorded in the header: an incremental cannot begin.
  BOOST_TEST(!std::get<0>(f.inst->async_checkpoint(test::wait).get()));
  BOOST_TEST(is(f.begin(backup_incremental), jet_errc::missing_full_backup));
}

BOOST_AUTO_TEST_CASE(truncate_log_is_616_until_every_log_was_read_to_its_end) {
  backup_fixture f;
  const auto logs = f.dir / "data" / "b" / "logs";
  const auto range = f.full_backup_up_to_log_info();
  // All but the last log copied; the last one read part way.
  for (std::size_t i = 0; i + 1 < range.files.size(); ++i) f.copy(range.files[i]);
  auto [oec, h, size] = f.open(range.files.back());
  BOOST_TEST_REQUIRE(!oec);
  std::vector<char> part(4096);
  BOOST_TEST_REQUIRE(!f.read(h, part).first);
  BOOST_TEST_REQUIRE(!f.close(h));
  const auto before = log_files(logs);
  BOOST_TEST(is(std::get<0>(async_truncate_log(f.inst, test::wait).get()), jet_errc::log_file_not_copied));
  BOOST_TEST((log_files(logs) == before));  // a refused truncate deletes nothing
  // Read to its end, the truncate goes through and removes what the checkpoint no longer needs.
  f.copy(range.files.back());
  auto [tec, doomed] = async_truncate_log_info(f.inst, test::wait).get();
  BOOST_TEST_REQUIRE(!tec);
  BOOST_TEST(!doomed.empty());  // the generations written before the backup's checkpoint
  BOOST_TEST(!std::get<0>(async_truncate_log(f.inst, test::wait).get()));
  for (const auto& name : doomed) BOOST_TEST(!std::filesystem::exists(logs / name), name);
  BOOST_TEST((f.end().second == end_result::completed));
}

BOOST_AUTO_TEST_CASE(terminate_complete_is_505_and_abrupt_ends_the_backup) {
  backup_fixture f;
  BOOST_TEST_REQUIRE(!f.begin());
  BOOST_TEST(is(f.terminate(*f.inst, terminate_mode::complete), jet_errc::backup_in_progress));
  BOOST_TEST((f.inst->state() == instance_state::running));
  BOOST_TEST(is(std::get<0>(f.inst->async_create_database("e", test::wait).get()), jet_errc::backup_in_progress));
  auto [oec, h, size] = f.open("d.jdb");
  BOOST_TEST_REQUIRE(!oec);
  std::vector<char> buf(size);
  auto reading = async_read_file(f.inst, h, boost::asio::buffer(buf), test::wait);
  BOOST_TEST(!f.terminate(*f.inst, terminate_mode::abrupt));
  auto [rec, n] = reading.get();
  BOOST_TEST((!rec || rec == jet_errc::backup_abort_by_server));
  BOOST_TEST((f.inst->state() == instance_state::terminated));
  // Reopened, the instance backs up again.
  f.inst = f.create("b");
  BOOST_TEST(!f.begin());
  BOOST_TEST(!f.end(end_abort).first);
}

BOOST_AUTO_TEST_CASE(open_files_are_limited) {
  backup_fixture f;
  BOOST_TEST_REQUIRE(!f.begin());
  std::vector<std::uint32_t> handles;
  for (int i = 0; i < 16; ++i) {
    auto [ec, h, size] = f.open("d.jdb");
    BOOST_TEST_REQUIRE(!ec);
    handles.push_back(h);
  }
  BOOST_TEST(is(std::get<0>(f.open("d.jdb")), jet_errc::out_of_file_handles));
  BOOST_TEST(!f.end(end_abort).first);
}

// S9 and the headline: stops from another thread at random moments while N read chains run
// over a database being written to. Every chain completes exactly once, with -801 if the
// stop caught it; end gives aborted; the next backup completes.

// begin → end(abort) → begin sent at once, the first begin still checkpointing: every call
// completes exactly once with its own result, and only the open backup pins anything.
// The calls are made in one turn of the instance's strand, so they run there in that order,
// each in a turn of its own, before any completion of the first begin's checkpoint (those
// queue behind them); a lazy commit made first leaves the log to sync, so that checkpoint
// cannot complete within the begin's own turn. (Made from the test's thread, the calls could
// be overtaken: a descheduled thread let the first begin complete before the end came.)
BOOST_AUTO_TEST_CASE(begin_end_begin_at_once_each_completes_once_with_its_own_result) {
  backup_fixture f;
  // A completed full backup first, so the third call may also be an incremental.
  BOOST_TEST_REQUIRE(!f.begin());
  f.copy("d.jdb");
  BOOST_TEST_REQUIRE(!f.log_info().first);
  BOOST_TEST_REQUIRE((f.end().second == end_result::completed));
  for (unsigned third : {0u, unsigned(backup_incremental)}) {
    for (int round = 0; round < 10; ++round) {
      // Dirty pages, so the first begin's checkpoint has writes and syncs to do.
      for (int i = 0; i < 50; ++i) {
        BOOST_TEST_REQUIRE(!std::get<0>(f.inst->async_put("d", "r" + std::to_string(i), std::string(300, 'r'), test::wait).get()));
      }
      struct once {
        std::atomic<int> calls{0};
        std::promise<std::pair<error_code, backup_status>> result;
      };
      once first, second;
      std::atomic<int> end_calls{0};
      std::promise<std::pair<error_code, end_result>> ended;
      auto record = [](once& o) {
        return [&o](error_code ec, backup_status s) {
          if (o.calls++ == 0) o.result.set_value({ec, std::move(s)});
        };
      };
      std::promise<error_code> lazy_put;
      test::on_strand(f.inst, [&] {
        transaction t;
        t.put("d", "lazy", "l");
        t.set_lazy_flush(true);
        f.inst->async_commit(std::move(t), [&](error_code ec) { lazy_put.set_value(ec); });
        async_begin_backup_with_status(f.inst, 0, record(first));
        async_end_backup(f.inst, end_abort, [&](error_code ec, end_result r) {
          if (end_calls++ == 0) ended.set_value({ec, r});
        });
        async_begin_backup_with_status(f.inst, third, record(second));
        return 0;
      });
      BOOST_TEST(!lazy_put.get_future().get());
      auto first_result = first.result.get_future();
      BOOST_TEST_REQUIRE((first_result.wait_for(std::chrono::seconds(10)) == std::future_status::ready),
                         "the first begin never completed");
      auto [ec1, s1] = first_result.get();
      BOOST_TEST(!ec1, ec1.message());
      BOOST_TEST((s1.state == backup_phase::ended));  // its backup was ended before it completed
      BOOST_TEST(s1.files.empty());
      auto [eec, er] = ended.get_future().get();
      BOOST_TEST(!eec);
      BOOST_TEST((er == end_result::aborted));
      auto [ec2, s2] = second.result.get_future().get();
      BOOST_TEST_REQUIRE(!ec2, ec2.message());
      BOOST_TEST(s2.incremental == (third == backup_incremental));
      if (third == backup_incremental) {
        BOOST_TEST((s2.state == backup_phase::logs));
        // An incremental pins nothing and names no database.
        BOOST_TEST(s2.files.empty());
      } else {
        BOOST_TEST((s2.state == backup_phase::databases));
        BOOST_TEST(s2.files.size() == 1u);
      }
      BOOST_TEST_REQUIRE(!f.end(end_abort).first);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      BOOST_TEST(first.calls.load() == 1);
      BOOST_TEST(second.calls.load() == 1);
      BOOST_TEST(end_calls.load() == 1);
      // Nothing stays pinned once both backups have ended (the first never pinned).
      auto pins = test::on_strand(f.inst, [&] { return f.inst->storage()->find("d")->pin_count(); });
      BOOST_TEST(pins == 0);
    }
  }
}

// end while a read is still in the kernel, then begin at once: the first backup's pin is
// released when that read lands, not lost (a lost pin keeps freed pages held for good).
BOOST_AUTO_TEST_CASE(pins_are_released_when_their_backup_ends_with_reads_in_flight) {
  backup_fixture f;
  for (int round = 0; round < 20; ++round) {
    BOOST_TEST_REQUIRE(!f.begin());
    auto [oec, h, size] = f.open("d.jdb");
    BOOST_TEST_REQUIRE(!oec);
    std::vector<char> buf(1 << 20);
    std::promise<void> read_done;
    async_read_file(f.inst, h, boost::asio::buffer(buf), [&](error_code, std::size_t) { read_done.set_value(); });
    std::promise<void> end_done;
    async_end_backup(f.inst, end_abort, [&](error_code, end_result) { end_done.set_value(); });
    std::promise<error_code> begun;
    async_begin_backup(f.inst, 0, [&](error_code ec) { begun.set_value(ec); });
    read_done.get_future().get();
    end_done.get_future().get();
    BOOST_TEST_REQUIRE(!begun.get_future().get());
    BOOST_TEST_REQUIRE(!f.end(end_abort).first);
  }
  // Every read has landed within a few milliseconds; then no pin may remain.
  int pins = -1;
  for (int i = 0; i < 500 && pins != 0; ++i) {
    pins = test::on_strand(f.inst, [&] { return f.inst->storage()->find("d")->pin_count(); });
    if (pins) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  BOOST_TEST(pins == 0);
}

BOOST_AUTO_TEST_CASE(stop_during_reads_from_another_thread) {
  backup_fixture f;
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int i = 0; writing; ++i) {
      f.inst->async_put("d", "w" + std::to_string(i % 3000), std::string(100, 'w'), test::wait).get();
    }
  });
  std::mt19937 rng(42);
  int stopped_chains = 0, trials = 0;
  for (int chains : {1, 4, 16}) {
    for (int trial = 0; trial < stop_trials(); ++trial, ++trials) {
      BOOST_TEST_REQUIRE(!f.begin());
      std::vector<std::uint32_t> handles;
      for (int c = 0; c < chains; ++c) {
        auto [ec, h, size] = f.open("d.jdb");
        BOOST_TEST_REQUIRE(!ec);
        handles.push_back(h);
      }
      // Each chain is a consumer reading one chunk per call (the buffer is one chunk) until
      // the end of the file or an error; what completes after the stop call began is counted.
      constexpr std::size_t chunk = 64 * 1024;
      struct consumer {
        std::uint32_t handle = 0;
        std::vector<char> buf = std::vector<char>(chunk);
        std::atomic<std::uint64_t> after_stop{0};
        error_code result;
        std::promise<void> done;
      };
      std::vector<std::unique_ptr<consumer>> consumers;
      std::atomic<bool> stop_called{false};
      std::function<void(consumer&)> next = [&](consumer& c) {
        async_read_file(f.inst, c.handle, boost::asio::buffer(c.buf), [&](error_code ec, std::size_t n) {
          if (stop_called) c.after_stop += n;
          if (ec || n == 0) {
            c.result = ec;
            c.done.set_value();
            return;
          }
          next(c);
        });
      };
      for (int c = 0; c < chains; ++c) {
        consumers.push_back(std::make_unique<consumer>());
        consumers.back()->handle = handles[static_cast<std::size_t>(c)];
      }
      for (auto& c : consumers) next(*c);
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 400));
      std::thread stopper([&] {
        // Counted from the moment the stop call has returned (the chains are told at once;
        // the stop itself runs on the strand later).
        auto stopped = async_stop_backup(f.inst, test::wait);
        stop_called = true;
        BOOST_TEST(!std::get<0>(stopped.get()));
      });
      stopper.join();
      for (auto& c : consumers) c->done.get_future().wait();
      for (auto& c : consumers) {
        BOOST_TEST_REQUIRE((!c->result || c->result == jet_errc::backup_abort_by_server), c->result.message());
        if (c->result) ++stopped_chains;
        // The one-chunk bound: once the stop call returned, a chain delivers at most the chunk
        // whose completion was already running (chunks that land later are dropped unverified).
        BOOST_TEST_REQUIRE(c->after_stop.load() <= chunk, c->after_stop.load() << " bytes after the stop");
      }
      for (auto h : handles) BOOST_TEST_REQUIRE(!f.close(h));
      auto [eec, r] = f.end();
      BOOST_TEST_REQUIRE(!eec);
      BOOST_TEST_REQUIRE((r == end_result::aborted));
    }
  }
  writing = false;
  writer.join();
  BOOST_TEST(stopped_chains > 0, "no stop ever caught a chain in flight in " << trials << " trials");
  // The instance is usable and the next full backup restores what it holds.
  auto [ec, report] = test::run_backup(f, f.inst, f.dir / "after-stops");
  BOOST_TEST_REQUIRE(!ec, ec.message());
  BOOST_TEST((report.result == end_result::completed));
  restore_options ro;
  ro.sets = {f.dir / "after-stops"};
  ro.data_dir = f.dir / "restored";
  restore_report rr;
  BOOST_TEST_REQUIRE(!restore_backup(ro, rr), rr.problem);
  BOOST_TEST((test::read_instance(ro.data_dir, "b", "d") == test::read_live(f.inst, "d")));
}

BOOST_AUTO_TEST_CASE(a_backup_at_a_rate_limit_takes_at_least_size_over_limit) {
  backup_fixture f;
  BOOST_TEST_REQUIRE(!f.begin());
  auto [oec, h, size] = f.open("d.jdb");
  BOOST_TEST_REQUIRE(!oec);
  const std::uint64_t limit = 2 << 20;  // 2 MiB/s: the file's ~0.5 MiB take 1/4 s at least
  BOOST_TEST_REQUIRE(!std::get<0>(async_set_max_rate(f.inst, limit, test::wait).get()));
  auto [sec, status] = async_backup_status(f.inst, test::wait).get();
  BOOST_TEST(status->max_rate == limit);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<char> buf(64 << 10);
  std::uint64_t got = 0;
  while (true) {
    auto [rec, n] = f.read(h, buf);
    BOOST_TEST_REQUIRE(!rec, rec.message());
    if (n == 0) break;
    got += n;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(got == size);
  // The first chunk goes at once, every later one waits its turn (a lower bound only: the
  // machine may be slower, never faster). The two header pages come from memory, unpaced.
  const double floor = static_cast<double>(size - (64 << 10) - 2 * 4096) / static_cast<double>(limit);
  BOOST_TEST(seconds >= floor, seconds << " s for " << size << " bytes at " << limit << " B/s");
  BOOST_TEST(!f.close(h));
  BOOST_TEST(!f.end(end_abort).first);
  BOOST_TEST(is(std::get<0>(async_set_max_rate(f.inst, 1, test::wait).get()), jet_errc::no_backup));
}

BOOST_AUTO_TEST_CASE(a_stop_ends_reads_waiting_under_the_rate_limit_at_once) {
  backup_fixture f;
  BOOST_TEST_REQUIRE(!f.begin());
  // 1 KiB/s: every chunk after the first waits for minutes.
  BOOST_TEST_REQUIRE(!std::get<0>(async_set_max_rate(f.inst, 1024, test::wait).get()));
  std::vector<std::uint32_t> handles;
  std::vector<std::vector<char>> bufs;
  std::vector<std::future<std::tuple<error_code, std::size_t>>> reads;
  for (int i = 0; i < 4; ++i) {
    auto [oec, h, size] = f.open("d.jdb");
    BOOST_TEST_REQUIRE(!oec);
    BOOST_TEST_REQUIRE(size > 2u * (256 << 10));  // more than the one chunk the limit lets through at once
    handles.push_back(h);
    bufs.emplace_back(size);  // the whole file: no read can finish before the stop
    reads.push_back(async_read_file(f.inst, h, boost::asio::buffer(bufs[static_cast<std::size_t>(i)]), test::wait));
  }
  // Wait until every read has delivered what the limit let through and is waiting.
  for (int tries = 0; tries < 200; ++tries) {
    auto [ec, st] = async_backup_status(f.inst, test::wait).get();
    if (st && st->bytes_read >= 4u * 2 * 4096) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  BOOST_TEST(!f.stop());
  for (auto& r : reads) {
    // Minutes of waiting are cut short: each read is back well within the test's patience.
    BOOST_TEST_REQUIRE((r.wait_for(std::chrono::seconds(20)) == std::future_status::ready));
    auto [ec, n] = r.get();
    BOOST_TEST(is(ec, jet_errc::backup_abort_by_server), ec.message());
    BOOST_TEST(n < bufs[0].size());
  }
  for (auto h : handles) BOOST_TEST(!f.close(h));
  BOOST_TEST((f.end().second == end_result::aborted));
}

BOOST_AUTO_TEST_CASE(a_rate_change_takes_effect_for_reads_already_waiting) {
  backup_fixture f;
  BOOST_TEST_REQUIRE(!f.begin());
  auto [oec, h, size] = f.open("d.jdb");
  BOOST_TEST_REQUIRE(!oec);
  BOOST_TEST_REQUIRE(!std::get<0>(async_set_max_rate(f.inst, 1024, test::wait).get()));
  std::vector<char> buf(size);
  auto read = async_read_file(f.inst, h, boost::asio::buffer(buf), test::wait);  // minutes at 1 KiB/s
  BOOST_TEST((read.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout));
  BOOST_TEST_REQUIRE(!std::get<0>(async_set_max_rate(f.inst, 0, test::wait).get()));  // unlimited
  BOOST_TEST_REQUIRE((read.wait_for(std::chrono::seconds(20)) == std::future_status::ready));
  auto [ec, n] = read.get();
  BOOST_TEST(!ec);
  BOOST_TEST(n == size);
  auto [sec, status] = async_backup_status(f.inst, test::wait).get();
  BOOST_TEST(status->max_rate == 0u);
  BOOST_TEST(!f.close(h));
  BOOST_TEST(!f.end(end_abort).first);
}

BOOST_AUTO_TEST_SUITE_END()
