// The page cache: 2Q eviction (scan resistance), and the engine within its budget under a
// cache of a few dozen pages, where nearly every access misses and evicts: a model test
// against std::map (puts, erases, long values, scans, reopen) on both file backends, and
// the budget held while writing many times more than it.
#include "support/both_backends.hpp"
#include "support/engine_fixture.hpp"
#include "support/os_page_cache.hpp"

#include "jetstrand/error.hpp"
#include "storage/database_file.hpp"
#include "storage/page_cache.hpp"

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <random>
#include <vector>

using namespace jetstrand;
using boost::system::error_code;
using storage::page_cache;

namespace {

constexpr std::size_t tiny_cache = 256 << 10;  // 62 pages of 4 KiB, with bookkeeping

engine_options tiny(io::backend_kind kind) {
  engine_options o;
  o.file_backend = kind;
  o.cache_size = tiny_cache;
  o.storage.page_size = 4096;
  o.storage.log_file_size = 1 << 20;
  o.storage.checkpoint_interval = std::chrono::milliseconds(50);
  return o;
}

void add(page_cache& c, std::uint32_t page) {
  BOOST_TEST_REQUIRE(c.make_room(page_cache::charge(4096)));
  c.insert(1, page, std::make_unique<unsigned char[]>(4096), 4096, false);
}

storage_stats stats_of(instance& inst) {
  auto [ec, s] = inst.async_stats(test::wait).get();
  BOOST_TEST_REQUIRE(!ec);
  return s;
}

// A value whose bytes depend on the key and a version, so a mix-up shows.
std::string value_for(const std::string& key, std::size_t size, int version) {
  std::string v(size, '\0');
  std::uint32_t x = static_cast<std::uint32_t>(std::hash<std::string>{}(key)) + static_cast<std::uint32_t>(version);
  for (auto& c : v) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(page_cache_budget)

BOOST_AUTO_TEST_CASE(a_scan_does_not_push_the_working_set_out) {
  page_cache c(20 * page_cache::charge(4096));
  // The working set: read once, evicted, read again soon after: it enters the main queue.
  for (std::uint32_t p = 0; p < 10; ++p) add(c, p);
  for (std::uint32_t p = 100; p < 115; ++p) add(c, p);  // 0..4 leave through probation
  for (std::uint32_t p = 0; p < 5; ++p) {
    BOOST_TEST(!c.find(1, p));
    add(c, p);  // remembered as recently evicted: straight to main
  }
  // A long scan of pages read once.
  for (std::uint32_t p = 1000; p < 1200; ++p) add(c, p);
  std::size_t kept = 0;
  for (std::uint32_t p = 0; p < 5; ++p) kept += c.find(1, p) != nullptr;
  BOOST_TEST(kept == 5u);
  // Under plain LRU the scan would have pushed them out: a page read once is gone.
  BOOST_TEST(!c.find(1, 100));
  BOOST_TEST(c.charged() <= c.budget());
  BOOST_TEST(c.peak_charged() <= c.budget());
}

BOOST_AUTO_TEST_CASE(dirty_and_pinned_pages_are_never_evicted) {
  page_cache c(4 * page_cache::charge(4096));
  add(c, 1);
  auto* dirty = c.insert(1, 2, std::make_unique<unsigned char[]>(4096), 4096, true);
  add(c, 3);
  c.pin(*c.find(1, 3));
  add(c, 4);
  // Room for two more: only page 1 and page 4 can go.
  BOOST_TEST(c.make_room(2 * page_cache::charge(4096)));
  BOOST_TEST(!c.find(1, 1));
  BOOST_TEST(!c.find(1, 4));
  BOOST_TEST(!c.make_room(3 * page_cache::charge(4096)));  // 2 is dirty, 3 pinned
  c.mark_clean(*dirty);
  c.unpin(*c.find(1, 3));
  BOOST_TEST(c.make_room(4 * page_cache::charge(4096)));
  BOOST_TEST(c.charged() == 0u);
}

BOOST_AUTO_TEST_CASE(erasing_a_space_drops_its_pages_whatever_their_state_and_keeps_the_others) {
  page_cache c(450 * page_cache::charge(4096));
  for (std::uint32_t p = 0; p < 150; ++p) {
    for (std::uint32_t space = 1; space <= 3; ++space) {
      BOOST_TEST_REQUIRE(c.make_room(page_cache::charge(4096)));
      auto* page = c.insert(space, p, std::make_unique<unsigned char[]>(4096), 4096, p % 5 == 0);
      if (p % 7 == 0) c.pin(*page);
    }
  }
  c.erase_space(2);
  for (std::uint32_t p = 0; p < 150; ++p) {
    BOOST_TEST_REQUIRE(c.peek(1, p));
    BOOST_TEST_REQUIRE(!c.peek(2, p));
    BOOST_TEST_REQUIRE(c.peek(3, p));
  }
  BOOST_TEST(c.charged() == 300 * page_cache::charge(4096));
  BOOST_TEST(c.dirty_bytes() == 2 * 30 * 4096u);
  // What is left evicts as before: everything but the dirty and pinned pages.
  BOOST_TEST(!c.make_room(450 * page_cache::charge(4096)));
  std::size_t kept = 0;
  for (std::uint32_t p = 0; p < 150; ++p) kept += c.peek(1, p) != nullptr;
  BOOST_TEST(kept == 30u + 22u - 5u);  // dirty (every 5th) and pinned (every 7th), 0 35 70 105 140 both
}

BOOST_AUTO_TEST_CASE(the_bytes_of_dropped_pages_are_reused_up_to_a_fixed_number) {
  page_cache c(100 * page_cache::charge(4096));
  for (std::uint32_t p = 0; p < 20; ++p) add(c, p);
  std::vector<unsigned char*> dropped;
  for (std::uint32_t p = 0; p < 20; ++p) {
    dropped.push_back(c.peek(1, p)->data());
    c.erase(1, p);
  }
  BOOST_TEST(c.charged() == 0u);  // spares are not charged: they are the fixed overhead
  BOOST_TEST(c.spares() == page_cache::max_spares);
  // The first pages dropped were kept (the rest freed), and come back last in, first out.
  std::vector<std::unique_ptr<unsigned char[]>> held;
  for (std::size_t i = 0; i < page_cache::max_spares; ++i) {
    held.push_back(c.buffer(4096));
    BOOST_TEST((held.back().get() == dropped[page_cache::max_spares - 1 - i]));
  }
  BOOST_TEST(c.spares() == 0u);
  // A page taken out keeps its bytes (a spill in flight writes from them): not a spare.
  add(c, 50);
  auto* bytes = c.peek(1, 50)->data();
  auto taken = c.take(1, 50);
  BOOST_TEST((taken.get() == bytes));
  BOOST_TEST(c.spares() == 0u);
  // Another page size never gets a spare of the wrong size.
  c.insert(1, 60, c.buffer(4096), 4096, false);
  c.erase(1, 60);
  BOOST_TEST(c.spares() == 1u);
  auto big = c.buffer(8192);
  BOOST_TEST(c.spares() == 1u);
  std::memset(big.get(), 0, 8192);  // ASan: all of it is ours
}

BOTH_BACKENDS(model_test_with_a_tiny_cache) {
  test::engine_fixture f(tiny(kind), 2);
  auto inst = f.create("m");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  std::mt19937 rng(11);
  std::map<std::string, std::string> model;
  int version = 0;
  for (int round = 0; round < 3; ++round) {
    // Many commits in flight at once: the apply queue waits for reads in log order.
    std::vector<std::future<std::tuple<error_code>>> pending;
    for (int i = 0; i < 1500; ++i) {
      std::string key = "key" + std::to_string(rng() % 3000);
      if (rng() % 16 == 0) key.assign(1 + rng() % 255, static_cast<char>(rng()));
      if (rng() % 4 == 0) {
        model.erase(key);
        pending.push_back(inst->async_erase("d", key, test::wait));
        continue;
      }
      std::size_t size = rng() % 600;  // the tree: some 150 pages, the cache: 62
      if (rng() % 25 == 0) size = 2000 + rng() % 200000;  // a long value: overflow pages
      auto value = value_for(key, size, ++version);
      model[key] = value;
      pending.push_back(inst->async_put("d", key, value, test::wait));
    }
    for (auto& p : pending) BOOST_TEST_REQUIRE(!std::get<0>(p.get()));
    // Misses are read both ways: at once where the OS caches the page, else asynchronously.
    const auto before = stats_of(*inst);
    const bool dropped = test::drop_os_cache(f.dir.path() / "data" / "m" / "databases" / "d.jdb");
    // Every key reads back, long values too; some absent keys stay absent.
    std::vector<std::future<std::tuple<error_code, std::string>>> reads;
    std::vector<std::string> keys;
    for (auto& [k, v] : model) {
      keys.push_back(k);
      reads.push_back(inst->async_get("d", k, test::wait));
    }
    for (std::size_t i = 0; i < reads.size(); ++i) {
      auto [ec, v] = reads[i].get();
      BOOST_TEST_REQUIRE(!ec, ec.message());
      BOOST_TEST_REQUIRE((v == model[keys[i]]), "value of " << keys[i]);
    }
    BOOST_TEST((std::get<0>(inst->async_get("d", "absent", test::wait).get()) == jet_errc::record_not_found));
    // Scans: all of it, and a bounded range with a limit.
    auto [sec, all] = inst->async_scan("d", "", "", 1u << 30, test::wait).get();
    BOOST_TEST_REQUIRE(!sec);
    BOOST_TEST_REQUIRE(all.size() == model.size());
    auto it = model.begin();
    for (const auto& [k, v] : all) {
      BOOST_TEST_REQUIRE(k == it->first);
      BOOST_TEST_REQUIRE((v == it->second));
      ++it;
    }
    auto [rec, range] = inst->async_scan_keys("d", "key1", "key5", 50, test::wait).get();
    BOOST_TEST_REQUIRE(!rec);
    auto lo = model.lower_bound("key1");
    for (const auto& [k, v] : range) {
      BOOST_TEST_REQUIRE(k == lo->first);
      BOOST_TEST(v.empty());
      ++lo;
    }
    BOOST_TEST(range.size() == std::min<std::size_t>(50, static_cast<std::size_t>(std::distance(model.lower_bound("key1"), model.lower_bound("key5")))));
    const auto s = stats_of(*inst);
    BOOST_TEST(s.cache_evictions > 0u, "budget " << s.cache_budget << " held " << s.cache_bytes << " peak " << s.cache_peak_bytes << " hits " << s.cache_hits << " misses " << s.cache_misses);
    BOOST_TEST(s.cache_peak_bytes <= s.cache_budget);
    if (dropped) BOOST_TEST(s.cache_reads_waited > before.cache_reads_waited);
    BOOST_TEST(s.cache_reads_os_cached > before.cache_reads_os_cached);
    // Reopen: everything comes back from disk.
    BOOST_TEST_REQUIRE(!f.terminate(*inst));
    inst = f.create("m");
  }
  BOOST_TEST(!storage::database_file::verify(f.dir.path() / "data" / "m" / "databases" / "d.jdb"));
}

// A get that waits for the disk reads the page its lookup stopped at: it does not look the
// key up again, nor try the OS page cache a second time, before the read. So each page a
// lookup misses is counted once and read once.
BOOST_AUTO_TEST_CASE(a_get_that_waits_for_the_disk_misses_each_page_once) {
  auto o = tiny(io::backend_kind::automatic);
  o.storage.checkpoint_interval = std::chrono::hours(1);  // no page moves but the gets'
  test::engine_fixture f(o, 2);
  auto inst = f.create("w");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  constexpr int keys = 3000;  // 200-byte values: some 190 leaves against 62 cached pages
  {
    std::vector<std::future<std::tuple<error_code>>> pending;
    for (int k = 0; k < keys; ++k) {
      const auto key = "key" + std::to_string(k);
      pending.push_back(inst->async_put("d", key, value_for(key, 200, 1), test::wait));
    }
    for (auto& p : pending) BOOST_TEST_REQUIRE(!std::get<0>(p.get()));
  }
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_checkpoint(test::wait).get()));
  if (!test::drop_os_cache(f.dir.path() / "data" / "w" / "databases" / "d.jdb")) {
    BOOST_TEST_MESSAGE("the data directory is in memory (tmpfs): no read can wait for the disk here");
    return;
  }
  std::mt19937 rng(5);
  std::uint64_t waited = 0;
  for (int i = 0; i < 40; ++i) {
    const auto key = "key" + std::to_string(rng() % keys);
    const auto before = stats_of(*inst);
    auto [ec, v] = inst->async_get("d", key, test::wait).get();
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST_REQUIRE((v == value_for(key, 200, 1)));
    const auto after = stats_of(*inst);
    const auto reads = (after.cache_reads_waited - before.cache_reads_waited) +
                       (after.cache_reads_os_cached - before.cache_reads_os_cached);
    BOOST_TEST(after.cache_misses - before.cache_misses == reads, key);
    waited += after.cache_reads_waited - before.cache_reads_waited;
  }
  BOOST_TEST(waited > 0u);  // some gets did wait for the disk
}

BOOST_AUTO_TEST_CASE(writing_eight_times_the_budget_stays_within_it) {
  test::engine_fixture f(tiny(io::backend_kind::automatic));
  auto inst = f.create("mem");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  std::mt19937 rng(5);
  std::size_t written = 0;
  while (written < 10 * tiny_cache) {
    std::vector<std::future<std::tuple<error_code>>> pending;
    for (int i = 0; i < 64; ++i) {
      auto key = "k" + std::to_string(rng());
      pending.push_back(inst->async_put("d", key, std::string(200, 'v'), test::wait));
      written += key.size() + 200;
    }
    for (auto& p : pending) BOOST_TEST_REQUIRE(!std::get<0>(p.get()));
  }
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_checkpoint(test::wait).get()));
  const auto s = stats_of(*inst);
  BOOST_TEST(s.cache_budget == tiny_cache);
  BOOST_TEST(s.cache_peak_bytes <= s.cache_budget, s.cache_peak_bytes << " bytes held at most");
  BOOST_TEST(s.cache_evictions > 0u);
  const auto file = std::filesystem::file_size(f.dir.path() / "data" / "mem" / "databases" / "d.jdb");
  BOOST_TEST(file >= 8 * tiny_cache, file << " bytes in the database");
}

// Between checkpoints, dirty leaves are written to free pages (spilled) so the cache can
// evict them: writing many times the budget needs no checkpoint, a leaf changed again frees
// its spilled page at once (the file does not grow with every round), and a crash before
// the next checkpoint finds the durable snapshot intact: recovery replays the log over it.
BOTH_BACKENDS(dirty_leaves_are_spilled_between_checkpoints_and_a_crash_keeps_the_snapshot) {
  engine_options o = tiny(kind);
  o.storage.checkpoint_interval = std::chrono::hours(1);
  test::engine_fixture f(o);
  auto inst = f.create("mem");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  const auto db_file = f.dir.path() / "data" / "mem" / "databases" / "d.jdb";
  const auto before = stats_of(*inst);
  std::map<std::string, std::string> model;
  std::vector<std::uintmax_t> file_sizes, spilled;
  for (int round = 0; round < 4; ++round) {
    std::vector<std::future<std::tuple<error_code>>> pending;
    for (int i = 0; i < 4000; ++i) {  // about 1 MiB: four times the budget
      const auto key = "k" + std::to_string((i * 7919) % 4000);
      model[key] = value_for(key, 200, round);
      pending.push_back(inst->async_put("d", key, model[key], test::wait));
      if (pending.size() == 64) {
        for (auto& p : pending) BOOST_TEST_REQUIRE(!std::get<0>(p.get()));
        pending.clear();
      }
    }
    for (auto& p : pending) BOOST_TEST_REQUIRE(!std::get<0>(p.get()));
    file_sizes.push_back(std::filesystem::file_size(db_file));
    spilled.push_back(stats_of(*inst).spilled_pages);
  }
  const auto s = stats_of(*inst);
  BOOST_TEST(s.cache_peak_bytes <= s.cache_budget);
  BOOST_TEST(s.spilled_pages > 200u, s.spilled_pages << " pages spilled");
  // Without spills, each time the budget filled with dirty pages was a checkpoint (dozens
  // here); with them, checkpoints come only when the dirty pages hold no leaf to spill.
  BOOST_TEST(s.checkpoints - before.checkpoints < 5u, s.checkpoints - before.checkpoints << " checkpoints");
  // Rounds two to four change the same leaves again: most of their spilled pages are
  // reused at once (a page still being written or read waits for the next checkpoint).
  const auto spilled_bytes = (spilled[3] - spilled[0]) * 4096;
  BOOST_TEST_MESSAGE("file " << file_sizes[0] << " -> " << file_sizes[3] << ", spilled " << spilled_bytes
                             << " bytes, checkpoints " << s.checkpoints - before.checkpoints);
  BOOST_TEST(file_sizes[3] - file_sizes[0] < spilled_bytes / 4,
             "database file " << file_sizes[0] << " then " << file_sizes[3] << " bytes; " << spilled_bytes
                              << " bytes spilled meanwhile");

  // A crash now (the process killed: what the files hold, no checkpoint since the spills).
  test::engine_fixture crashed(o);
  std::filesystem::create_directories(crashed.dir.path() / "data");
  std::filesystem::copy(f.dir.path() / "data" / "mem", crashed.dir.path() / "data" / "mem",
                        std::filesystem::copy_options::recursive);
  std::filesystem::remove(crashed.dir.path() / "data" / "mem" / "LOCK");
  BOOST_TEST(!storage::database_file::verify(crashed.dir.path() / "data" / "mem" / "databases" / "d.jdb"));
  auto recovered = crashed.create("mem");
  BOOST_TEST(stats_of(*recovered).recovered_records > 0u);
  auto [sec, all] = recovered->async_scan("d", "", "", 1u << 30, test::wait).get();
  BOOST_TEST_REQUIRE(!sec);
  BOOST_TEST_REQUIRE(all.size() == model.size());
  auto it = model.begin();
  for (const auto& [k, v] : all) {
    BOOST_TEST_REQUIRE(k == it->first);
    BOOST_TEST_REQUIRE((v == it->second), "value of " << k);
    ++it;
  }
  BOOST_TEST_REQUIRE(!crashed.terminate(*recovered));
  BOOST_TEST(!storage::database_file::verify(crashed.dir.path() / "data" / "mem" / "databases" / "d.jdb"));
}

BOOST_AUTO_TEST_CASE(a_lazy_commit_is_acknowledged_before_the_flush_and_durable_after_it) {
  engine_options o = tiny(io::backend_kind::automatic);
  o.storage.checkpoint_interval = std::chrono::hours(1);  // no checkpoint syncs the log meanwhile
  test::engine_fixture f(o);
  auto inst = f.create("lazy");
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
  const auto before = stats_of(*inst);
  for (int i = 0; i < 50; ++i) {
    transaction t;
    t.put("d", "k" + std::to_string(i), "v");
    t.set_lazy_flush();
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_commit(std::move(t), test::wait).get()));
  }
  auto mid = stats_of(*inst);
  BOOST_TEST(mid.commits - before.commits == 50u);
  // 50 commits one after the other: durable ones would cost 50 fdatasyncs; lazy ones share
  // the one-second timer's (at most a few, on a slow machine).
  BOOST_TEST(mid.log_flushes - before.log_flushes < 10u);
  auto [gec, v] = inst->async_get("d", "k49", test::wait).get();
  BOOST_TEST(!gec);
  BOOST_TEST(v == "v");
  // A durable commit makes every earlier lazy one durable with it.
  BOOST_TEST_REQUIRE(!std::get<0>(inst->async_put("d", "durable", "x", test::wait).get()));
  const auto after = stats_of(*inst);
  BOOST_TEST(after.log_flushes > mid.log_flushes);
  // One record each (the last lazy one may still have been on its way to the file at `mid`:
  // a lazy commit is acknowledged once its place in the log is fixed).
  BOOST_TEST(after.log_records - before.log_records == 51u);
  BOOST_TEST_REQUIRE(!f.terminate(*inst));
  inst = f.create("lazy");
  for (int i = 0; i < 50; ++i) BOOST_TEST(!std::get<0>(inst->async_get("d", "k" + std::to_string(i), test::wait).get()));
}

BOOST_AUTO_TEST_SUITE_END()
