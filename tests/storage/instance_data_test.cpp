// The instance's data API end to end: a model test against std::map with reopen, bad
// input, detach/attach, recovery from the log, and damaged pages. File cases run
// on both backends.
#include "support/engine_fixture.hpp"

#include "jetstrand/error.hpp"
#include "storage/byte_io.hpp"
#include "storage/database_file.hpp"
#include "storage/write_ahead_log.hpp"

#include "support/both_backends.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>

using namespace jetstrand;
using boost::system::error_code;
using io::backend_kind;

namespace {

engine_options with(backend_kind kind, std::chrono::milliseconds checkpoint_every = std::chrono::milliseconds(50)) {
  engine_options o;
  o.file_backend = kind;
  o.storage.page_size = 4096;
  o.storage.log_file_size = 256 << 10;  // small, so tests cross generations
  o.storage.checkpoint_interval = checkpoint_every;
  return o;
}

error_code commit(instance& inst, transaction t) {
  return std::get<0>(inst.async_commit(std::move(t), test::wait).get());
}
error_code put(instance& inst, const std::string& db, const std::string& k, const std::string& v) {
  return std::get<0>(inst.async_put(db, k, v, test::wait).get());
}
std::pair<error_code, std::string> get(instance& inst, const std::string& db, const std::string& k) {
  auto [ec, v] = inst.async_get(db, k, test::wait).get();
  return {ec, v};
}
instance::entries scan_all(instance& inst, const std::string& db) {
  auto [ec, out] = inst.async_scan(db, "", "", 1u << 30, test::wait).get();
  BOOST_TEST_REQUIRE(!ec);
  return out;
}
void check_model(instance& inst, const std::string& db, const std::map<std::string, std::string>& model) {
  auto all = scan_all(inst, db);
  BOOST_TEST_REQUIRE(all.size() == model.size());
  auto it = model.begin();
  for (const auto& [k, v] : all) {
    BOOST_TEST_REQUIRE(k == it->first);
    BOOST_TEST_REQUIRE(v == it->second);
    ++it;
  }
}
// The current header of a database file, and which slot it is in.
storage::database_header read_header(const std::filesystem::path& path, std::uint32_t& slot) {
  storage::database_header h;
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> start(2 * 32768);
  in.read(reinterpret_cast<char*>(start.data()), static_cast<std::streamsize>(start.size()));
  BOOST_TEST_REQUIRE(storage::decode_headers(start.data(), static_cast<std::size_t>(in.gcount()), h, slot));
  return h;
}
std::filesystem::path db_path(test::engine_fixture& f, const std::string& inst, const std::string& db) {
  return f.dir.path() / "data" / inst / "databases" / (db + ".jdb");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(instance_data)

BOTH_BACKENDS(model_test_with_reopen) {
  test::engine_fixture f(with(kind), 2);
  auto inst = f.create("model");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  std::mt19937 rng(7);
  std::map<std::string, std::string> model;
  for (int round = 0; round < 8; ++round) {
    for (int i = 0; i < 250; ++i) {
      transaction t;
      std::map<std::string, std::optional<std::string>> effect;
      int ops = 1 + static_cast<int>(rng() % 4);
      for (int o = 0; o < ops; ++o) {
        std::string key = "key" + std::to_string(rng() % 800);
        if (rng() % 3 == 0) {
          t.erase("d", key);
          effect[key] = std::nullopt;
        } else {
          std::string value(rng() % 200, static_cast<char>('a' + rng() % 26));
          t.put("d", key, value);
          effect[key] = value;
        }
      }
      if (rng() % 10 == 0) {
        t.rollback();  // dropped: none of its writes may appear
        effect.clear();
      }
      BOOST_TEST_REQUIRE(!commit(*inst, std::move(t)));
      for (auto& [k, v] : effect) {
        if (v) model[k] = *v; else model.erase(k);
      }
    }
    check_model(*inst, "d", model);
    // Reopen: terminate (checkpoints) and start again from disk.
    BOOST_TEST_REQUIRE(!f.terminate(*inst, round % 2 ? terminate_mode::abrupt : terminate_mode::complete));
    inst = f.create("model");
    BOOST_TEST((inst->database_names() == std::vector<std::string>{"d"}));
    check_model(*inst, "d", model);
  }
}

BOTH_BACKENDS(recovery_replays_the_log_after_a_crash) {
  // A crash is simulated by copying the directory of a running instance after its commits
  // completed and with no checkpoint due: exactly what a power cut would leave.
  test::engine_fixture f(with(kind, std::chrono::hours(1)), 2);
  auto inst = f.create("live");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_checkpoint(test::wait).get()));
  for (int i = 0; i < 1000; ++i) {
    BOOST_TEST_REQUIRE(!put(*inst, "d", "k" + std::to_string(i), std::string(300, 'r')));
  }
  BOOST_TEST_REQUIRE(!put(*inst, "d", "k5", "changed"));
  transaction t;
  t.erase("d", "k7");
  BOOST_TEST_REQUIRE(!commit(*inst, std::move(t)));
  auto [sec, stats] = inst->async_stats(test::wait).get();
  BOOST_TEST(stats.log_generation > 1u);  // crossed generations
  std::filesystem::copy(f.dir.path() / "data" / "live", f.dir.path() / "data" / "copy",
                        std::filesystem::copy_options::recursive);
  std::filesystem::remove(f.dir.path() / "data" / "copy" / "LOCK");

  auto copy = f.create("copy");
  auto [ec, after] = copy->async_stats(test::wait).get();
  BOOST_TEST(after.recovered_records == 1002u);
  BOOST_TEST((get(*copy, "d", "k5").second == "changed"));
  BOOST_TEST((get(*copy, "d", "k7").first == jet_errc::record_not_found));
  BOOST_TEST(scan_all(*copy, "d").size() == 999u);
  // Recovery is idempotent: reopen again (after its own checkpoint) and nothing changes.
  BOOST_TEST(!f.terminate(*copy));
  copy = f.create("copy");
  BOOST_TEST(scan_all(*copy, "d").size() == 999u);
  BOOST_TEST(!storage::database_file::verify(db_path(f, "copy", "d")));
}

BOOST_AUTO_TEST_CASE(a_value_under_a_quarter_page_with_its_key_stays_in_the_leaf) {
  // 4 KiB pages: an entry (key + value) of up to about 1,010 bytes is inline. 900-byte values
  // under 4-byte keys fit; under 200-byte keys they do not, and each takes an overflow page.
  test::engine_fixture f(with(backend_kind::automatic));
  auto inst = f.create("fit");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("short_keys", test::wait).get()));
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("long_keys", test::wait).get()));
  auto value_of = [](int i) { return std::string(900, static_cast<char>('a' + i % 26)); };
  for (int i = 0; i < 200; ++i) {
    char k[8];
    std::snprintf(k, sizeof k, "k%03d", i);
    BOOST_TEST_REQUIRE(!put(*inst, "short_keys", k, value_of(i)));
    BOOST_TEST_REQUIRE(!put(*inst, "long_keys", std::string(196, 'p') + k, value_of(i)));
  }
  BOOST_TEST_REQUIRE(!f.terminate(*inst));
  const auto inline_size = std::filesystem::file_size(db_path(f, "fit", "short_keys"));
  const auto overflow_size = std::filesystem::file_size(db_path(f, "fit", "long_keys"));
  // Inline: about four entries a page (~50 leaves). Overflow: 200 pages for the values alone.
  BOOST_TEST(inline_size * 2 < overflow_size, inline_size << " vs " << overflow_size);
  BOOST_TEST(!storage::database_file::verify(db_path(f, "fit", "short_keys")));
  inst = f.create("fit");
  for (int i = 0; i < 200; i += 7) {
    char k[8];
    std::snprintf(k, sizeof k, "k%03d", i);
    BOOST_TEST((get(*inst, "short_keys", k).second == value_of(i)));
    BOOST_TEST((get(*inst, "long_keys", std::string(196, 'p') + k).second == value_of(i)));
  }
}

BOOST_AUTO_TEST_CASE(a_scan_returns_each_long_value_whole_or_leaves_its_key_out_while_it_is_erased) {
  // A scan reads its long values after it has listed the keys, from disk once they are
  // written. Erased meanwhile (and their pages made reusable by a checkpoint), a key drops
  // out of the result; every other entry stays exactly where it was.
  test::engine_fixture f(with(backend_kind::automatic, std::chrono::hours(1)), 2);
  auto inst = f.create("longs");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  auto key_of = [](int i) {
    char k[8];
    std::snprintf(k, sizeof k, "k%03d", i);
    return std::string(k);
  };
  // Every third key a long value (5 pages of 4 KiB and more), the others short; distinct bytes each.
  auto value_of = [](int i, int trial) {
    const std::size_t size = i % 3 == 0 ? 20000 + static_cast<std::size_t>(i) : 30;
    std::string v(size, '\0');
    for (std::size_t b = 0; b < size; ++b) v[b] = static_cast<char>('a' + (b + i * 7 + trial) % 26);
    return v;
  };
  constexpr int keys = 30;
  int left_out = 0;
  for (int trial = 0; trial < 20; ++trial) {
    transaction fill;
    for (int i = 0; i < keys; ++i) fill.put("d", key_of(i), value_of(i, trial));
    BOOST_TEST_REQUIRE(!commit(*inst, std::move(fill)));
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_checkpoint(test::wait).get()));  // long values on disk

    auto scanned = inst->async_scan("d", "", "", 1000, test::wait);
    transaction erase;  // the long values of odd keys: k003, k009, k015, ...
    for (int i = 3; i < keys; i += 6) erase.erase("d", key_of(i));
    BOOST_TEST_REQUIRE(!commit(*inst, std::move(erase)));
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_checkpoint(test::wait).get()));
    auto [ec, out] = scanned.get();
    BOOST_TEST_REQUIRE(!ec);

    std::size_t at = 0;
    for (int i = 0; i < keys; ++i) {
      const bool erased = i % 6 == 3;
      if (at < out.size() && out[at].first == key_of(i)) {
        BOOST_TEST_REQUIRE((out[at].second == value_of(i, trial)), key_of(i) << " in trial " << trial);
        ++at;
      } else {
        BOOST_TEST_REQUIRE(erased, key_of(i) << " missing in trial " << trial);
        ++left_out;
      }
    }
    BOOST_TEST_REQUIRE(at == out.size());
  }
  BOOST_TEST_MESSAGE("erased long values left out of a scan: " << left_out << " of " << 20 * keys / 6);
}

BOOST_AUTO_TEST_CASE(bad_input_gets_clear_errors) {
  test::engine_fixture f(with(backend_kind::automatic));
  auto inst = f.create("bad");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  BOOST_TEST((put(*inst, "d", "", "v") == jet_errc::invalid_parameter));
  BOOST_TEST((put(*inst, "d", std::string(256, 'k'), "v") == jet_errc::invalid_parameter));
  BOOST_TEST(!put(*inst, "d", std::string(255, 'k'), "v"));
  BOOST_TEST((put(*inst, "d", "k", std::string(max_value_size + 1, 'v')) == jet_errc::invalid_parameter));
  BOOST_TEST((put(*inst, "nope", "k", "v") == jet_errc::database_not_found));
  BOOST_TEST((get(*inst, "d", "missing").first == jet_errc::record_not_found));
  BOOST_TEST((get(*inst, "nope", "k").first == jet_errc::database_not_found));
  BOOST_TEST((get(*inst, "d", "").first == jet_errc::invalid_parameter));
  // A transaction with one bad operation commits nothing.
  transaction t;
  t.put("d", "good", "v");
  t.put("d", "", "v");
  BOOST_TEST((commit(*inst, std::move(t)) == jet_errc::invalid_parameter));
  BOOST_TEST((get(*inst, "d", "good").first == jet_errc::record_not_found));
  BOOST_TEST(!commit(*inst, transaction{}));  // empty: trivially committed

  BOOST_TEST((std::get<0>(inst->async_create_database("d", test::wait).get()) == jet_errc::database_duplicate));
  BOOST_TEST((std::get<0>(inst->async_create_database("../x", test::wait).get()) == jet_errc::invalid_parameter));
  BOOST_TEST((std::get<0>(inst->async_attach_database("ghost", test::wait).get()) == jet_errc::database_not_found));
  BOOST_TEST((std::get<0>(inst->async_detach_database("ghost", test::wait).get()) == jet_errc::database_not_found));

  BOOST_TEST(!f.terminate(*inst));
  BOOST_TEST((put(*inst, "d", "k", "v") == jet_errc::not_initialized));
  BOOST_TEST((get(*inst, "d", "k").first == jet_errc::not_initialized));
}

BOOST_AUTO_TEST_CASE(detach_then_attach_keeps_the_data) {
  test::engine_fixture f(with(backend_kind::automatic));
  auto inst = f.create("da");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("e", test::wait).get()));
  for (int i = 0; i < 100; ++i) BOOST_TEST_REQUIRE(!put(*inst, "d", "k" + std::to_string(i), "v"));
  BOOST_TEST(!std::get<0>(inst->async_detach_database("d", test::wait).get()));
  BOOST_TEST((inst->database_names() == std::vector<std::string>{"e"}));
  BOOST_TEST((put(*inst, "d", "k", "v") == jet_errc::database_not_found));
  BOOST_TEST(!std::get<0>(inst->async_attach_database("d", test::wait).get()));
  BOOST_TEST(scan_all(*inst, "d").size() == 100u);
  // The attach list survives a reopen.
  BOOST_TEST(!f.terminate(*inst));
  inst = f.create("da");
  BOOST_TEST((inst->database_names() == std::vector<std::string>{"d", "e"}));
}

BOOST_AUTO_TEST_CASE(a_flipped_byte_in_a_page_is_detected_not_returned) {
  test::engine_fixture f(with(backend_kind::automatic));
  auto inst = f.create("rot");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  for (int i = 0; i < 300; ++i) BOOST_TEST_REQUIRE(!put(*inst, "d", "k" + std::to_string(i), std::string(100, 'z')));
  BOOST_TEST_REQUIRE(!f.terminate(*inst));
  auto path = db_path(f, "rot", "d");
  BOOST_TEST(!storage::database_file::verify(path));

  // Flip one byte in the root page (the header says which).
  std::uint32_t slot;
  auto h = read_header(path, slot);
  {
    std::fstream io(path, std::ios::binary | std::ios::in | std::ios::out);
    io.seekg(static_cast<std::streamoff>(h.root) * h.page_size + 1000);
    char c;
    io.read(&c, 1);
    c ^= 0x04;
    io.seekp(static_cast<std::streamoff>(h.root) * h.page_size + 1000);
    io.write(&c, 1);
  }
  BOOST_TEST((storage::database_file::verify(path) == jet_errc::read_verify_failure));
  // Pages are read when needed: the instance opens, and a read through the damaged page
  // fails with -1018 (after re-reading it) instead of returning anything.
  inst = f.create("rot");
  BOOST_TEST((get(*inst, "d", "k7").first == jet_errc::read_verify_failure));
  BOOST_TEST((put(*inst, "d", "k7", "new") == jet_errc::read_verify_failure));
}

BOOST_AUTO_TEST_CASE(a_damaged_newest_header_falls_back_and_the_log_fills_the_gap) {
  test::engine_fixture f(with(backend_kind::automatic, std::chrono::hours(1)));
  auto inst = f.create("hdr");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  for (int i = 0; i < 200; ++i) BOOST_TEST_REQUIRE(!put(*inst, "d", "a" + std::to_string(i), "1"));
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_checkpoint(test::wait).get()));
  for (int i = 0; i < 200; ++i) BOOST_TEST_REQUIRE(!put(*inst, "d", "b" + std::to_string(i), "2"));
  BOOST_TEST_REQUIRE(!f.terminate(*inst));  // a second checkpoint: the newer header

  auto path = db_path(f, "hdr", "d");
  std::uint32_t slot;
  auto h = read_header(path, slot);
  {
    std::fstream io(path, std::ios::binary | std::ios::in | std::ios::out);
    io.seekp(static_cast<std::streamoff>(slot) * h.page_size + 50);
    io.write("XX", 2);
  }
  inst = f.create("hdr");
  BOOST_TEST(scan_all(*inst, "d").size() == 400u);
}

// A checkpoint that adds many pages at once (a new database here; the pages added while a
// backup pins the old ones alike) writes them as one run of several MiB, its writeback
// started as it goes. Every page of it reaches its place: the file verifies page by page,
// and reopened, it holds the data.
BOTH_BACKENDS(a_checkpoint_writes_a_run_of_several_mib_whole) {
  test::engine_fixture f(with(kind, std::chrono::hours(1)), 2);
  auto inst = f.create("run");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_checkpoint(test::wait).get()));
  std::uint32_t slot = 0;
  const auto before = read_header(db_path(f, "run", "d"), slot).page_count;
  std::map<std::string, std::string> model;
  for (int i = 0; i < 3000; ++i) {
    std::string key = "k" + std::to_string(100000 + i);
    std::string value(900, static_cast<char>('a' + i % 26));
    BOOST_TEST_REQUIRE(!put(*inst, "d", key, value));
    model[key] = value;
  }
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_checkpoint(test::wait).get()));
  const auto after = read_header(db_path(f, "run", "d"), slot).page_count;
  BOOST_TEST_REQUIRE(std::uint64_t{after - before} * 4096 > (3u << 20));  // several chunks
  BOOST_TEST(!storage::database_file::verify(db_path(f, "run", "d")));
  BOOST_TEST_REQUIRE(!f.terminate(*inst));
  inst = f.create("run");
  check_model(*inst, "d", model);
}

// The stats say while the log makes its next generation ahead (tests that hold the io
// threads wait on it): once they no longer do, that generation's file is whole, its header
// (written last) naming the generation after the current one.
BOTH_BACKENDS(the_stats_say_while_the_next_log_generation_is_made) {
  // Generations of 16 MiB: making one (zeros written and synced) takes far longer than the
  // first record's write and sync, so the put returns while the next one is being made.
  auto o = with(kind, std::chrono::hours(1));
  o.storage.log_file_size = 16 << 20;
  test::engine_fixture f(o, 2);
  auto inst = f.create("live");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  BOOST_TEST_REQUIRE(!put(*inst, "d", "k", "v"));  // the first record opens a generation
  f.wait_until_log_settled(*inst);
  auto [ec, stats] = inst->async_stats(test::wait).get();
  BOOST_TEST_REQUIRE(!ec);
  BOOST_TEST(!stats.log_making_next_generation);
  const auto next = storage::log_file_path(f.dir.path() / "data" / "live" / "logs", stats.log_generation + 1);
  const auto made = std::filesystem::path(next.string() + ".new");
  BOOST_TEST_REQUIRE(std::filesystem::exists(made));
  BOOST_TEST(std::filesystem::file_size(made) == std::uintmax_t{16} << 20);
  std::ifstream in(made, std::ios::binary);
  unsigned char header[16] = {};
  in.read(reinterpret_cast<char*>(header), sizeof header);
  BOOST_TEST(storage::load_le<std::uint32_t>(header + 12) == stats.log_generation + 1);
}

BOOST_AUTO_TEST_SUITE_END()
