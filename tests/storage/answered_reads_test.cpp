// A page read as a waiting caller's errand (detail/caller_errands.hpp) whose operation was
// answered from it on that thread (database_file::fetch's `answer`): its landing is left for
// a later turn, unless another operation waits for the page too or landings may not be left
// (close, detach). Driven by hand here: the test thread plays the strand's turn, then the
// waiting thread that runs the errand.
#include "support/run_until.hpp"
#include "support/temp_dir.hpp"

#include "detail/caller_errands.hpp"
#include "storage/database_file.hpp"
#include "tree_access.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>

using namespace jetstrand;
using namespace jetstrand::storage;
using boost::system::error_code;

namespace {

// A database of 2000 keys, checkpointed, and its first leaf out of the cache.
struct cold_leaf {
  test::temp_dir dir;
  boost::asio::io_context io;
  io::file_service files{io.get_executor(), io::backend_kind::automatic};
  boost::asio::strand<boost::asio::any_io_executor> strand{boost::asio::make_strand(io.get_executor())};
  page_cache cache{64u << 20};
  std::unique_ptr<database_file> db;
  std::uint32_t leaf = 0;
  std::string first_key;

  cold_leaf() {
    error_code ec;
    db = database_file::create(files, strand, cache, 1, dir.path() / "d.jdb", "d", 4096, 0, ec);
    BOOST_TEST_REQUIRE(!ec);
    for (int i = 0; i < 2000; ++i) test::put_now(*db, "k" + std::to_string(i), std::string(50, 'a'));
    db->set_applied_lsn(1);
    std::optional<error_code> r;
    boost::asio::post(strand, [&] { db->checkpoint([&](error_code e) { r = e; }); });
    test::run_until(io, [&] { return r.has_value(); });
    BOOST_TEST_REQUIRE(!*r);
    const auto* root = cache.peek(1, db->header().root)->data();
    BOOST_TEST_REQUIRE((node_type(root) == page_type::branch));
    leaf = branch_child(root, 0);
    first_key = std::string(entry_key(cache.peek(1, leaf)->data(), 0));
    cache.erase(1, leaf);
  }

  // A fetch in a waiting caller's turn: its read becomes this thread's errand.
  void fetch_as_waiting_caller(bool& landed, database_file::page_answer answer) {
    detail::caller_errands::turn_scope waiting_callers_turn;
    db->fetch(leaf, [&landed](error_code ec) {
      BOOST_TEST(!ec);
      landed = true;
    }, std::move(answer));
  }
  // The errand, as the waiting thread runs it after the turn: its landing, if it returns one.
  detail::caller_errands::landing run_errand() {
    auto errand = detail::caller_errands::next();
    BOOST_TEST_REQUIRE(errand.has_value());
    BOOST_TEST_REQUIRE(!detail::caller_errands::next().has_value());
    return (*errand)();
  }
  bool resident() { return cache.peek(1, leaf) != nullptr; }
};

// What a get's answer does: looks at the page, returns true if it answered from it.
database_file::page_answer answer_with_first_key(std::optional<std::string>& seen, bool answers = true) {
  return [&seen, answers](const unsigned char* page) {
    seen = std::string(entry_key(page, 0));
    return answers;
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(answered_reads)

BOOST_AUTO_TEST_CASE(an_answered_read_lands_in_a_later_turn) {
  cold_leaf f;
  bool landed = false;
  std::optional<std::string> seen;
  f.fetch_as_waiting_caller(landed, answer_with_first_key(seen));
  BOOST_TEST(!f.run_errand());  // nothing for the waiting thread to land: it returns at once
  BOOST_TEST((seen == f.first_key));  // the answer saw the page, checked
  BOOST_TEST(!landed);
  BOOST_TEST(!f.resident());
  f.db->land_answered();  // what the next operation's turn does first
  BOOST_TEST(landed);
  BOOST_TEST(f.resident());
  BOOST_TEST((test::get_now(*f.db, f.first_key) == std::string(50, 'a')));
}

BOOST_AUTO_TEST_CASE(a_read_not_answered_lands_in_the_waiting_threads_turn) {
  cold_leaf f;
  bool landed = false;
  std::optional<std::string> seen;
  f.fetch_as_waiting_caller(landed, answer_with_first_key(seen, false));
  auto landing = f.run_errand();
  BOOST_TEST_REQUIRE(static_cast<bool>(landing));
  BOOST_TEST(seen.has_value());
  landing();
  BOOST_TEST(landed);
  BOOST_TEST(f.resident());
}

// Another operation waiting for the same page must not wait for a later turn, which may
// never come: joined while the errand reads, the page lands in the waiting thread's turn.
BOOST_AUTO_TEST_CASE(a_read_another_operation_joined_lands_at_once) {
  cold_leaf f;
  bool landed = false, other_landed = false;
  std::optional<std::string> seen;
  f.fetch_as_waiting_caller(landed, answer_with_first_key(seen));
  f.db->fetch(f.leaf, [&](error_code ec) {  // an async get's turn, while the errand reads
    BOOST_TEST(!ec);
    other_landed = true;
  });
  auto landing = f.run_errand();
  BOOST_TEST(seen.has_value());  // answered all the same
  BOOST_TEST_REQUIRE(static_cast<bool>(landing));
  landing();
  BOOST_TEST(landed);
  BOOST_TEST(other_landed);
}

// Joined after the landing was left: the joining turn lands it itself.
BOOST_AUTO_TEST_CASE(an_operation_that_joins_a_left_read_lands_it) {
  cold_leaf f;
  bool landed = false, other_landed = false;
  std::optional<std::string> seen;
  f.fetch_as_waiting_caller(landed, answer_with_first_key(seen));
  BOOST_TEST(!f.run_errand());
  f.db->fetch(f.leaf, [&](error_code ec) {
    BOOST_TEST(!ec);
    other_landed = true;
  });
  BOOST_TEST(landed);
  BOOST_TEST(other_landed);
  BOOST_TEST(f.resident());
}

// Close and detach wait for every operation, so for every landing: from land_every_read
// on, none is left, and those left already land.
BOOST_AUTO_TEST_CASE(no_read_is_left_once_every_read_must_land) {
  cold_leaf f;
  bool landed = false;
  std::optional<std::string> seen;
  f.fetch_as_waiting_caller(landed, answer_with_first_key(seen));
  BOOST_TEST(!f.run_errand());
  f.db->land_every_read();
  BOOST_TEST(landed);

  f.cache.erase(1, f.leaf);
  bool again = false;
  seen.reset();
  f.fetch_as_waiting_caller(again, answer_with_first_key(seen));
  auto landing = f.run_errand();
  BOOST_TEST(seen.has_value());
  BOOST_TEST_REQUIRE(static_cast<bool>(landing));
  landing();
  BOOST_TEST(again);

  f.db->land_every_read(false);  // a detach that failed: reads may be left again
  f.cache.erase(1, f.leaf);
  bool third = false;
  f.fetch_as_waiting_caller(third, answer_with_first_key(seen));
  BOOST_TEST(!f.run_errand());
  f.db->land_answered();
  BOOST_TEST(third);
}

BOOST_AUTO_TEST_SUITE_END()
