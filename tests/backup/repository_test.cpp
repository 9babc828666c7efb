// Repositories: set names, the order of sets, the chain a restore takes, what a prune
// deletes (all I/O-free), then listing and deleting sets in a real folder.
#include "support/temp_dir.hpp"

#include "jetstrand/backup/repository.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>

using namespace jetstrand::backup;
namespace fs = std::filesystem;

namespace {

set_summary set(std::string name, std::string instance, set_kind kind, std::uint32_t low, std::uint32_t high,
                bool complete = true) {
  set_summary s;
  s.name = std::move(name);
  s.instance = std::move(instance);
  s.kind = kind;
  s.time = "2026-11-28T" + s.name.substr(9, 2) + ":" + s.name.substr(11, 2) + ":" + s.name.substr(13, 2) + "Z";
  s.log_low = low;
  s.log_high = high;
  s.complete = complete;
  return s;
}

constexpr auto full = set_kind::full;
constexpr auto incr = set_kind::incremental;

std::vector<std::string> names(const std::vector<set_summary>& sets) {
  std::vector<std::string> out;
  for (const auto& s : sets) out.push_back(s.name);
  return out;
}

using strings = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(repository)

BOOST_AUTO_TEST_CASE(set_names_carry_the_time_and_kind_and_order_sets_of_one_second) {
  BOOST_TEST(next_set_name("2026-11-28T05:19:07Z", full, {}) == "20261128T051907Z-full");
  BOOST_TEST(next_set_name("2026-11-28T05:19:07Z", incr, {"20261128T051906Z-full"}) == "20261128T051907Z-incr");
  // The suffix counts every set of that second, whatever its kind.
  const strings taken{"20261128T051907Z-full", "20261128T051907Z-incr-2"};
  BOOST_TEST(next_set_name("2026-11-28T05:19:07Z", full, taken) == "20261128T051907Z-full-3");
  BOOST_TEST(next_set_name("2026-11-28T05:19:07Z", incr, {"20261128T051907Z-full"}) == "20261128T051907Z-incr-2");

  std::vector<set_summary> sets{set("20261128T051907Z-full-3", "a", full, 1, 3),
                                set("20261128T051908Z-incr", "a", incr, 3, 4),
                                set("20261128T051907Z-incr-2", "a", incr, 2, 3),
                                set("20261128T051907Z-full", "a", full, 1, 2)};
  sort_sets(sets);
  BOOST_TEST((names(sets) == strings{"20261128T051907Z-full", "20261128T051907Z-incr-2", "20261128T051907Z-full-3",
                                     "20261128T051908Z-incr"}));
}

BOOST_AUTO_TEST_CASE(a_restore_takes_the_newest_complete_full_and_the_incrementals_that_join_up) {
  const std::vector<set_summary> sets{
      set("20261128T050000Z-full", "a", full, 1, 3),
      set("20261128T050100Z-incr", "a", incr, 3, 5),
      set("20261128T050200Z-full", "a", full, 1, 6),
      set("20261128T050300Z-incr", "a", incr, 6, 7),
      set("20261128T050400Z-incr", "a", incr, 7, 7, false),  // incomplete: never used
      set("20261128T050500Z-incr", "a", incr, 7, 9),
      set("20261128T050600Z-full", "b", full, 1, 2),          // another instance
      set("20261128T050700Z-full", "a", full, 1, 12, false),  // an incomplete full does not count
  };
  BOOST_TEST((names(newest_chain(sets, "a")) ==
              strings{"20261128T050200Z-full", "20261128T050300Z-incr", "20261128T050500Z-incr"}));
  BOOST_TEST((names(newest_chain(sets, "b")) == strings{"20261128T050600Z-full"}));
  BOOST_TEST(newest_chain(sets, "c").empty());

  // A gap in the logs: that incremental and everything after it are left out, and said.
  auto gapped = sets;
  gapped.push_back(set("20261128T050800Z-incr", "a", incr, 11, 12));
  gapped.push_back(set("20261128T050900Z-incr", "a", incr, 12, 13));
  strings skipped;
  BOOST_TEST(newest_chain(gapped, "a", &skipped).size() == 3u);
  BOOST_TEST((skipped == strings{"20261128T050800Z-incr", "20261128T050900Z-incr"}));
}

BOOST_AUTO_TEST_CASE(a_prune_keeps_the_newest_full_chains_of_each_instance_and_what_they_need) {
  const std::vector<set_summary> sets{
      set("20261128T045900Z-incr", "a", incr, 1, 2),          // no full before it
      set("20261128T050000Z-full", "a", full, 1, 3),
      set("20261128T050100Z-incr", "a", incr, 3, 5),
      set("20261128T050130Z-full", "a", full, 1, 5, false),   // interrupted
      set("20261128T050140Z-full", "", full, 0, 0, false),    // whose? never deleted
      set("20261128T050200Z-full", "a", full, 1, 6),
      set("20261128T050300Z-incr", "a", incr, 6, 7),
      set("20261128T050400Z-full", "a", full, 1, 8),
      set("20261128T050500Z-incr", "a", incr, 8, 9, false),   // newer than a kept full: kept
      set("20261128T050600Z-full", "b", full, 1, 2),
      set("20261128T050700Z-full", "b", full, 1, 3),
  };
  BOOST_TEST((prune_plan(sets, 2) ==
              strings{"20261128T045900Z-incr", "20261128T050000Z-full", "20261128T050100Z-incr", "20261128T050130Z-full"}));
  BOOST_TEST((prune_plan(sets, 1) ==
              strings{"20261128T045900Z-incr", "20261128T050000Z-full", "20261128T050100Z-incr", "20261128T050130Z-full",
                      "20261128T050200Z-full", "20261128T050300Z-incr", "20261128T050600Z-full"}));
  BOOST_TEST(prune_plan(sets, 3).empty());  // a has 3 complete fulls, b 2: nothing goes
}

BOOST_AUTO_TEST_CASE(a_folder_lists_its_sets_and_deletes_one_without_ever_looking_complete) {
  jetstrand::test::temp_dir dir;
  const auto repo = dir / "repo";
  boost::system::error_code ec;
  BOOST_TEST(list_folder_repository(repo, ec).empty());  // not there yet: an empty repository
  BOOST_TEST(!ec);

  auto write = [](const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  };
  backup_manifest m;
  m.instance = "a";
  m.kind = full;
  m.created = "2026-11-28T05:00:00Z";
  m.generation_low = 1;
  m.generation_high = 3;
  m.files.push_back({"d.jdb", backup_file_kind::database, 8192, 0});
  m.files.push_back({"gen-00000001.log", backup_file_kind::log, 4096, 0});
  write(repo / "20261128T050000Z-full" / manifest_file_name, to_json(m));
  write(repo / "20261128T050100Z-incr" / incomplete_marker_name, "backup did not complete: interrupted\ninstance: a\n");
  write(repo / "20261128T050100Z-incr" / "logs" / "gen-00000003.log", std::string(1000, 'x'));
  write(repo / "notes" / "readme.txt", "not a set");
  write(repo / "loose-file", "not a set either");

  auto sets = list_folder_repository(repo, ec);
  BOOST_TEST(!ec);
  BOOST_TEST_REQUIRE(sets.size() == 2u);
  BOOST_TEST(sets[0].name == "20261128T050000Z-full");
  BOOST_TEST(sets[0].complete);
  BOOST_TEST(sets[0].instance == "a");
  BOOST_TEST(sets[0].size == 12288u);
  BOOST_TEST(sets[0].log_low == 1u);
  BOOST_TEST(sets[0].log_high == 3u);
  BOOST_TEST(sets[0].time == "2026-11-28T05:00:00Z");
  BOOST_TEST(!sets[1].complete);
  BOOST_TEST(sets[1].instance == "a");
  BOOST_TEST((sets[1].kind == incr));
  BOOST_TEST(sets[1].time == "2026-11-28T05:01:00Z");
  BOOST_TEST(sets[1].size > 1000u);  // the log, and the marker

  BOOST_TEST(!delete_folder_set(repo / "20261128T050000Z-full"));
  BOOST_TEST(!fs::exists(repo / "20261128T050000Z-full"));
  BOOST_TEST(list_folder_repository(repo, ec).size() == 1u);

  list_folder_repository(repo / "loose-file", ec);
  BOOST_TEST(ec.failed());
}

BOOST_AUTO_TEST_CASE(a_manifest_records_compressed_files_and_refuses_unknown_compression) {
  backup_manifest m;
  m.instance = "a";
  m.created = "2026-11-28T05:00:00Z";
  m.files.push_back({"d.jdb", backup_file_kind::database, 8192, 7, file_compression::zstd, 900});
  m.files.push_back({"gen-00000001.log", backup_file_kind::log, 4096, 9});
  boost::system::error_code ec;
  auto back = manifest_from_json(to_json(m), ec);
  BOOST_TEST_REQUIRE(!ec);
  BOOST_TEST((back.files[0].compression == file_compression::zstd));
  BOOST_TEST(back.files[0].stored_size == 900u);
  BOOST_TEST(back.files[0].relative_path() == fs::path("databases/d.jdb.zst"));
  BOOST_TEST((back.files[1].compression == file_compression::none));
  BOOST_TEST(back.files[1].relative_path() == fs::path("logs/gen-00000001.log"));
  BOOST_TEST(back.total_bytes() == 12288u);
  BOOST_TEST(back.stored_bytes() == 4996u);
  auto text = to_json(m);
  text.replace(text.find("\"zstd\""), 6, "\"lz4\"");
  manifest_from_json(text, ec);
  BOOST_TEST(ec.value() == -615);
}

BOOST_AUTO_TEST_SUITE_END()
