// The write-ahead log's generations (roll, torn tail) and the database's pinned snapshot
// (its pages are never rewritten while pinned: what a backup copies cannot be torn).
#include "support/run_until.hpp"
#include "support/temp_dir.hpp"

#include "jetstrand/error.hpp"
#include "storage/database_file.hpp"
#include "storage/write_ahead_log.hpp"
#include "tree_access.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <optional>

using namespace jetstrand;
using namespace jetstrand::storage;
using boost::system::error_code;

namespace {

struct strand_fixture {
  test::temp_dir dir;
  boost::asio::io_context io;
  io::file_service files{io.get_executor(), io::backend_kind::automatic};
  boost::asio::strand<boost::asio::any_io_executor> strand{boost::asio::make_strand(io.get_executor())};
  page_cache cache{64u << 20};

  std::uint64_t append(write_ahead_log& log, std::string payload) {
    std::optional<std::pair<error_code, std::uint64_t>> r;
    boost::asio::post(strand, [&] {
      log.append(std::move(payload), [&](error_code ec, std::uint64_t lsn) { r.emplace(ec, lsn); });
    });
    test::run_until(io, [&] { return r.has_value(); });
    BOOST_TEST_REQUIRE(!r->first);
    return r->second;
  }
  std::vector<std::pair<std::uint64_t, std::string>> read(std::uint32_t gen) {
    std::vector<std::pair<std::uint64_t, std::string>> out;
    BOOST_TEST_REQUIRE(!read_generation(dir / "logs", gen, [&](std::uint64_t lsn, std::string_view p) {
      out.emplace_back(lsn, std::string(p));
    }));
    return out;
  }
  // What a log's owner does before destroying it (the generation made ahead is removed).
  void drain(write_ahead_log& log) {
    bool drained = false;
    boost::asio::post(strand, [&] { log.drain([&] { drained = true; }); });
    test::run_until(io, [&] { return drained; });
  }
  std::vector<std::string> temporary_files() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir / "logs")) {
      if (e.path().extension() == ".new") names.push_back(e.path().filename().string());
    }
    return names;
  }
  void checkpoint(database_file& db) {
    std::optional<error_code> r;
    boost::asio::post(strand, [&] { db.checkpoint([&](error_code ec) { r = ec; }); });
    test::run_until(io, [&] { return r.has_value(); });
    BOOST_TEST_REQUIRE(!*r);
  }
};

std::string file_bytes(const std::filesystem::path& p, std::uint64_t from, std::uint64_t to) {
  std::ifstream in(p, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(from));
  std::string s(to - from, '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(log_and_snapshot)

BOOST_AUTO_TEST_CASE(roll_starts_a_new_generation_and_seals_the_old_one) {
  strand_fixture f;
  write_ahead_log log(f.files, f.strand, f.dir / "logs", 64 << 10, 1);
  auto a = f.append(log, "first");
  auto b = f.append(log, "second");
  BOOST_TEST(generation_of(a) == 1u);
  BOOST_TEST(b > a);
  std::optional<std::uint32_t> rolled;
  boost::asio::post(f.strand, [&] { log.roll([&](error_code ec, std::uint32_t g) {
    BOOST_TEST(!ec);
    rolled = g;
  }); });
  test::run_until(f.io, [&] { return rolled.has_value(); });
  BOOST_TEST(*rolled == 2u);
  auto c = f.append(log, "third");
  BOOST_TEST(generation_of(c) == 2u);
  auto gen1 = f.read(1);
  BOOST_TEST_REQUIRE(gen1.size() == 2u);
  BOOST_TEST(gen1[0].second == "first");
  BOOST_TEST(gen1[1].first == b);
  BOOST_TEST(f.read(2).size() == 1u);
  BOOST_TEST((list_generations(f.dir / "logs") == std::vector<std::uint32_t>{1, 2}));
}

BOOST_AUTO_TEST_CASE(a_lazy_record_completes_at_once_in_lsn_order_and_is_written_before_a_later_sync) {
  strand_fixture f;
  write_ahead_log log(f.files, f.strand, f.dir / "logs", 64 << 10, 1);
  const auto first = f.append(log, "durable-0");  // opens the generation
  std::vector<std::string> order;
  std::vector<std::uint64_t> lsns;
  auto record = [&](std::string name) {
    return [&, name](error_code ec, std::uint64_t lsn) {
      BOOST_TEST(!ec);
      order.push_back(name);
      lsns.push_back(lsn);
    };
  };
  std::optional<error_code> synced;
  std::size_t done_inside_append = 0;
  boost::asio::post(f.strand, [&] {
    // Nothing pending: each lazy record's place is fixed, so it completes inside append()
    // and waits for a batch; the sync writes both.
    log.append("lazy-1", false, record("lazy-1"));
    log.append("lazy-2", false, record("lazy-2"));
    done_inside_append = order.size();
    log.sync([&](error_code ec) { synced = ec; });
  });
  test::run_until(f.io, [&] { return synced.has_value(); });
  BOOST_TEST(done_inside_append == 2u);
  BOOST_TEST(!*synced);
  BOOST_TEST_REQUIRE(lsns.size() == 2u);
  BOOST_TEST(lsns[0] > first);
  BOOST_TEST(lsns[1] > lsns[0]);
  // The sync came after both completed, so both are on disk, at the LSNs they were given.
  auto on_disk = f.read(1);
  BOOST_TEST_REQUIRE(on_disk.size() == 3u);
  BOOST_TEST(on_disk[1].first == lsns[0]);
  BOOST_TEST(on_disk[2].first == lsns[1]);
  BOOST_TEST(on_disk[2].second == "lazy-2");
  BOOST_TEST(log.durable_lsn() >= lsns[1]);

  // A durable record pending: a lazy one after it waits for it (records complete in LSN
  // order).
  std::size_t done_at_once = 0;
  boost::asio::post(f.strand, [&] {
    log.append("durable-3", true, record("durable-3"));
    log.append("lazy-4", false, record("lazy-4"));
    done_at_once = order.size();
  });
  test::run_until(f.io, [&] { return order.size() == 4u; });
  BOOST_TEST(done_at_once == 2u);
  BOOST_TEST((order == std::vector<std::string>{"lazy-1", "lazy-2", "durable-3", "lazy-4"}));
  BOOST_TEST(lsns[3] > lsns[2]);

  // A lazy record completed at once while a write is in flight is written before a roll
  // asked for after it: it stays in the generation its LSN names.
  std::optional<std::uint32_t> rolled;
  boost::asio::post(f.strand, [&] {
    log.append("lazy-5", false, record("lazy-5"));
    log.append("lazy-6", false, record("lazy-6"));
    log.roll([&](error_code ec, std::uint32_t g) {
      BOOST_TEST(!ec);
      rolled = g;
    });
  });
  test::run_until(f.io, [&] { return rolled.has_value(); });
  BOOST_TEST(*rolled == 2u);
  BOOST_TEST_REQUIRE(lsns.size() == 6u);
  BOOST_TEST(generation_of(lsns[5]) == 1u);
  auto gen1 = f.read(1);
  BOOST_TEST_REQUIRE(gen1.size() == 7u);
  BOOST_TEST(gen1[6].first == lsns[5]);
  BOOST_TEST(gen1[6].second == "lazy-6");
}

BOOST_AUTO_TEST_CASE(lazy_records_are_written_in_batches_or_by_the_timer) {
  strand_fixture f;
  write_ahead_log log(f.files, f.strand, f.dir / "logs", 1 << 20, 1);
  f.append(log, "durable-0");  // opens the generation
  const std::string payload(100, 'x');
  const std::size_t per_record = 120;  // 16-byte header + 100, 8-byte aligned
  const std::size_t below = write_ahead_log::lazy_batch_bytes / per_record - 1;
  std::size_t completed = 0;
  std::uint64_t writes_before = 0, writes_below = 0, writes_over = 0, last_lsn = 0;
  boost::asio::post(f.strand, [&] {
    writes_before = log.stats().writes;
    auto count = [&](error_code ec, std::uint64_t lsn) {
      BOOST_TEST(!ec);
      ++completed;
      last_lsn = lsn;
    };
    // Fewer than a batch: each completes at once, and none is written yet.
    for (std::size_t i = 0; i < below; ++i) log.append(payload, false, count);
    writes_below = log.stats().writes;
    // A batch's worth: written in one write; what follows waits for the next batch.
    for (std::size_t i = 0; i < 100; ++i) log.append(payload, false, count);
    writes_over = log.stats().writes;
  });
  test::run_until(f.io, [&] { return completed == below + 100; });
  BOOST_TEST(writes_below == writes_before);
  BOOST_TEST(writes_over == writes_before + 1);
  // Nothing else is asked for: the lazy-flush timer writes the rest and syncs it, within
  // about a second.
  test::run_until(f.io, [&] { return log.durable_lsn() >= last_lsn; });
  auto on_disk = f.read(1);
  BOOST_TEST_REQUIRE(on_disk.size() == 1 + below + 100);
  BOOST_TEST(on_disk.back().first == last_lsn);
  BOOST_TEST(on_disk.back().second == payload);
  f.drain(log);
}

// The strand never waits for a generation to be made: the next one is made ahead on the
// file service's threads, and a roll completes later, from the strand, after work queued
// before it, in the generation made ahead.
BOOST_AUTO_TEST_CASE(a_roll_takes_the_generation_made_ahead_and_completes_later_on_the_strand) {
  strand_fixture f;
  write_ahead_log log(f.files, f.strand, f.dir / "logs", 64 << 10, 1);
  f.append(log, "first");  // opens generation 1; generation 2 is made ahead
  test::run_until(f.io, [&] { return log.next_generation_ready(); });
  BOOST_TEST((f.temporary_files() == std::vector<std::string>{"gen-00000002.log.new"}));
  BOOST_TEST((list_generations(f.dir / "logs") == std::vector<std::uint32_t>{1}));  // not a generation yet

  std::vector<std::string> order;
  bool done_inside_roll = false;
  boost::asio::post(f.strand, [&] { order.push_back("queued before"); });
  boost::asio::post(f.strand, [&] {
    log.roll([&](error_code ec, std::uint32_t g) {
      BOOST_TEST(!ec);
      BOOST_TEST(g == 2u);
      order.push_back("rolled");
    });
    done_inside_roll = !order.empty() && order.back() == "rolled";
    boost::asio::post(f.strand, [&] { order.push_back("queued after"); });
  });
  test::run_until(f.io, [&] { return order.size() == 3u; });
  BOOST_TEST(!done_inside_roll);
  BOOST_TEST((order == std::vector<std::string>{"queued before", "queued after", "rolled"}));
  BOOST_TEST((list_generations(f.dir / "logs") == std::vector<std::uint32_t>{1, 2}));
  BOOST_TEST(generation_of(f.append(log, "second")) == 2u);
  test::run_until(f.io, [&] { return log.next_generation_ready(); });
  BOOST_TEST((f.temporary_files() == std::vector<std::string>{"gen-00000003.log.new"}));

  // A record larger than the generation made ahead gets one of its own, sized to fit: the
  // one made ahead (the same number) is made again, larger.
  const auto big = f.append(log, std::string(100 << 10, 'b'));
  BOOST_TEST(generation_of(big) == 3u);
  auto gen3 = f.read(3);
  BOOST_TEST_REQUIRE(gen3.size() == 1u);
  BOOST_TEST(gen3[0].second.size() == std::size_t{100 << 10});
  BOOST_TEST(f.read(2).size() == 1u);

  // Its owner drains the log before destroying it: nothing made ahead is left behind.
  f.drain(log);
  BOOST_TEST(f.temporary_files().empty());
  BOOST_TEST((list_generations(f.dir / "logs") == std::vector<std::uint32_t>{1, 2, 3}));
}

BOOST_AUTO_TEST_CASE(a_full_generation_rolls_by_itself) {
  strand_fixture f;
  write_ahead_log log(f.files, f.strand, f.dir / "logs", 64 << 10, 1);
  std::uint64_t last = 0;
  for (int i = 0; i < 100; ++i) last = f.append(log, std::string(2000, 'x'));
  BOOST_TEST(generation_of(last) >= 3u);
  std::size_t total = 0;
  for (auto g : list_generations(f.dir / "logs")) total += f.read(g).size();
  BOOST_TEST(total == 100u);
  BOOST_TEST(log.stats().records == 100u);
}

BOOST_AUTO_TEST_CASE(a_torn_tail_ends_the_generation_cleanly) {
  strand_fixture f;
  std::uint64_t second;
  {
    write_ahead_log log(f.files, f.strand, f.dir / "logs", 64 << 10, 1);
    f.append(log, "kept");
    second = f.append(log, "torn");
  }
  // Damage the second record's payload, as a crash in the middle of its write would.
  {
    std::fstream io(log_file_path(f.dir / "logs", 1), std::ios::binary | std::ios::in | std::ios::out);
    io.seekp(static_cast<std::streamoff>((second & 0xffffffffu) + log_record_header_size + 1));
    io.write("#", 1);
  }
  auto records = f.read(1);
  BOOST_TEST_REQUIRE(records.size() == 1u);
  BOOST_TEST(records[0].second == "kept");
}

// A crash while a generation is made (SIGKILL between its creation and its header's write)
// leaves only a file under the temporary name: never a generation without its header, which
// recovery would have to refuse (-1022). Recovery removes the leftover.
BOOST_AUTO_TEST_CASE(a_generation_left_half_made_is_never_listed_and_is_removed) {
  strand_fixture f;
  {
    write_ahead_log log(f.files, f.strand, f.dir / "logs", 64 << 10, 1);
    f.append(log, "kept");
    f.drain(log);
  }
  BOOST_TEST(f.temporary_files().empty());
  auto half = log_file_path(f.dir / "logs", 2);
  half += ".new";
  std::ofstream(half, std::ios::binary).write(std::string(4096, '\0').data(), 4096);  // no header yet
  BOOST_TEST((list_generations(f.dir / "logs") == std::vector<std::uint32_t>{1}));
  remove_unfinished_generations(f.dir / "logs");
  BOOST_TEST(!std::filesystem::exists(half));
  BOOST_TEST(std::filesystem::exists(log_file_path(f.dir / "logs", 1)));
  // The next generation is made over any leftover of that name.
  std::ofstream(half, std::ios::binary).write("x", 1);
  write_ahead_log log(f.files, f.strand, f.dir / "logs", 64 << 10, 2);
  BOOST_TEST(generation_of(f.append(log, "next")) == 2u);
  BOOST_TEST(!std::filesystem::exists(half));
  BOOST_TEST(f.read(2).size() == 1u);
}

BOOST_AUTO_TEST_CASE(oversized_record_is_refused) {
  strand_fixture f;
  write_ahead_log log(f.files, f.strand, f.dir / "logs", 64 << 10, 1);
  std::optional<error_code> r;
  boost::asio::post(f.strand, [&] {
    log.append(std::string(log.max_payload() + 1, 'x'), [&](error_code ec, std::uint64_t) { r = ec; });
  });
  test::run_until(f.io, [&] { return r.has_value(); });
  BOOST_TEST((*r == jet_errc::invalid_parameter));
}

BOOST_AUTO_TEST_CASE(pinned_snapshot_pages_are_never_rewritten) {
  strand_fixture f;
  error_code ec;
  auto path = f.dir / "d.jdb";
  auto db = database_file::create(f.files, f.strand, f.cache, 1, path, "d", 4096, 0, ec);
  BOOST_TEST_REQUIRE(!ec);
  for (int i = 0; i < 2000; ++i) test::put_now(*db, "k" + std::to_string(i), std::string(50, 'a'));
  db->set_applied_lsn(1);
  f.checkpoint(*db);

  auto snap = db->pin();
  const std::uint64_t end = static_cast<std::uint64_t>(snap.page_count) * snap.page_size;
  const auto before = file_bytes(path, 2 * snap.page_size, end);
  // Rewrite everything many times over while pinned.
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 2000; ++i) test::put_now(*db, "k" + std::to_string(i), std::string(50, static_cast<char>('b' + round)));
    db->set_applied_lsn(static_cast<std::uint64_t>(2 + round));
    f.checkpoint(*db);
  }
  BOOST_TEST(db->header().page_count > snap.page_count);  // it grew instead of reusing
  // ...but only by what one rewrite needs: pages written and freed above the pinned range
  // are reused during the pin (five rewrites must not cost five trees).
  // A whole-tree rewrite needs the old and the new tree: two trees above the pinned range.
  BOOST_TEST(db->header().page_count <= 3 * snap.page_count);
  BOOST_TEST((file_bytes(path, 2 * snap.page_size, end) == before));

  // The pinned header and those pages still form the old tree, whole.
  std::string image(reinterpret_cast<const char*>(snap.header_page.data()), snap.header_page.size());
  image.append(reinterpret_cast<const char*>(snap.header_page_1.data()), snap.header_page_1.size());
  image += before;
  auto copy = f.dir / "copy.jdb";
  std::ofstream(copy, std::ios::binary).write(image.data(), static_cast<std::streamsize>(image.size()));
  auto old = database_file::open(f.files, f.strand, f.cache, 2, copy, ec);
  BOOST_TEST_REQUIRE(!ec);
  BOOST_TEST((test::get_now(*old, "k7").value() == std::string(50, 'a')));
  BOOST_TEST(test::count_now(*old) == 2000u);

  // Unpinned, freed pages are reused lowest first and the free end of the file is cut off:
  // the file shrinks back to what copy-on-write of the whole tree needs (two trees).
  db->unpin();
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 2000; ++i) test::put_now(*db, "k" + std::to_string(i), std::string(50, 'z'));
    db->set_applied_lsn(static_cast<std::uint64_t>(10 + round));
    f.checkpoint(*db);
  }
  const auto grown = db->header().page_count;
  for (int i = 0; i < 2000; ++i) test::put_now(*db, "k" + std::to_string(i), std::string(50, 'y'));
  db->set_applied_lsn(20);
  f.checkpoint(*db);
  BOOST_TEST(db->header().page_count == grown);
  BOOST_TEST(grown <= 2 * snap.page_count);
  BOOST_TEST(std::filesystem::file_size(path) == std::uint64_t{grown} * snap.page_size);
  // Reopened, the shrunken file loads whole.
  db.reset();
  auto again = database_file::open(f.files, f.strand, f.cache, 3, path, ec);
  BOOST_TEST_REQUIRE(!ec);
  BOOST_TEST((test::get_now(*again, "k7").value() == std::string(50, 'y')));
  BOOST_TEST(test::count_now(*again) == 2000u);
}

BOOST_AUTO_TEST_CASE(pin_takes_the_durable_header_not_the_one_being_written) {
  strand_fixture f;
  error_code ec;
  auto db = database_file::create(f.files, f.strand, f.cache, 1, f.dir / "d.jdb", "d", 4096, 0, ec);
  BOOST_TEST_REQUIRE(!ec);
  test::put_now(*db, "a", "1");
  db->set_applied_lsn(5);
  f.checkpoint(*db);
  test::put_now(*db, "b", "2");
  db->set_applied_lsn(9);
  std::optional<error_code> r;
  pinned_snapshot snap;
  boost::asio::post(f.strand, [&] {
    db->checkpoint([&](error_code e) { r = e; });  // serialized now, written later
    BOOST_TEST(db->checkpoint_running());
    snap = db->pin();
  });
  test::run_until(f.io, [&] { return r.has_value(); });
  BOOST_TEST(snap.lsn == 5u);  // not 9: that header was not durable yet
  database_header h;
  std::uint32_t slot;
  std::vector<unsigned char> both(snap.header_page);
  both.insert(both.end(), snap.header_page_1.begin(), snap.header_page_1.end());
  BOOST_TEST_REQUIRE(decode_headers(both.data(), both.size(), h, slot));
  BOOST_TEST(h.lsn == 5u);
  db->unpin();
}

// A get that waited for a page goes on from it only while tree_changes() stands still
// (instance_storage's get_op): through lookups and checkpoints a missing page stays on its
// key's path; a change moves the path off it.
BOOST_AUTO_TEST_CASE(the_tree_change_count_moves_with_changes_only) {
  strand_fixture f;
  error_code ec;
  auto db = database_file::create(f.files, f.strand, f.cache, 1, f.dir / "d.jdb", "d", 4096, 0, ec);
  BOOST_TEST_REQUIRE(!ec);
  const auto empty = db->tree_changes();
  for (int i = 0; i < 2000; ++i) test::put_now(*db, "k" + std::to_string(i), std::string(50, 'a'));
  BOOST_TEST(db->tree_changes() > empty);
  db->set_applied_lsn(1);
  f.checkpoint(*db);
  const auto count = db->tree_changes();

  // The first leaf, out of the cache: a lookup of its first key reports it missing.
  const auto* root = f.cache.peek(1, db->header().root)->data();
  BOOST_TEST_REQUIRE((node_type(root) == page_type::branch));
  const auto leaf = branch_child(root, 0);
  const std::string key(entry_key(f.cache.peek(1, leaf)->data(), 0));
  f.cache.erase(1, leaf);
  btree::value v;
  std::uint32_t missing = 0;
  BOOST_TEST_REQUIRE((db->tree().find(key, v, missing) == btree::outcome::missing));
  BOOST_TEST_REQUIRE(missing == leaf);
  // Lookups, scans and a checkpoint with nothing to write leave the count, and the leaf
  // is still where the lookup goes on.
  BOOST_TEST(test::count_now(*db) == 2000u);
  f.checkpoint(*db);
  BOOST_TEST(db->tree_changes() == count);
  BOOST_TEST_REQUIRE(!db->fetch_now(leaf));
  BOOST_TEST_REQUIRE((db->tree().find_from(leaf, key, v, missing) == btree::outcome::found));
  BOOST_TEST(v.bytes == std::string(50, 'a'));
  // A change moves the count, and copies the leaf to a new page: the old one is off the path.
  test::put_now(*db, key, "b");
  BOOST_TEST(db->tree_changes() > count);
  BOOST_TEST(branch_child(f.cache.peek(1, db->header().root)->data(), 0) != leaf);
  const auto after_put = db->tree_changes();
  test::erase_now(*db, key);
  BOOST_TEST(db->tree_changes() > after_put);
}

BOOST_AUTO_TEST_SUITE_END()
