// `jetstrand list` and `jetstrand prune`: the backup sets in a repository (a folder of sets
// made by `jetstrand backup --repo`).
#include "backup_command.hpp"
#include "command_line/command.hpp"
#include "human_units.hpp"
#include "set_locations.hpp"

#include "jetstrand/backup/repository.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

namespace jetstrand::cli {
using namespace jetstrand::backup;
using namespace jetstrand::command_line;

namespace {

command list_cli() {
  command c("jetstrand list LOCATION [--json]",
            "Lists the backup sets in LOCATION (a folder or s3://BUCKET/PREFIX that `jetstrand backup\n"
            "--repo LOCATION` writes to), oldest first: name, instance, full or incremental, when it\n"
            "began (UTC), size, the log generations it holds, and whether it is complete. An incomplete\n"
            "set (interrupted, or still being written) is never used by restore.");
  c.options()("json", flag(),
              "{\"sets\":[{\"name\",\"instance\",\"kind\",\"time\",\"size\",\"log_low\",\"log_high\","
              "\"complete\"}]} instead of a table");
  c.takes_operands(1);
  return c;
}

command prune_cli() {
  command c("jetstrand prune LOCATION --keep N [--dry-run]",
            "Deletes old backup sets from LOCATION (a folder or s3://BUCKET/PREFIX): for each instance,\n"
            "every set older than its N newest complete full sets (their older chains, incomplete sets\n"
            "and incrementals without a full). A kept full set's incrementals, and anything newer,\n"
            "stay. An instance with N full sets or fewer loses nothing.");
  c.options()
      ("keep", number(1, 1'000'000), "how many full chains to keep per instance (1 or more; required)")
      ("dry-run", flag(), "say what would be deleted, delete nothing");
  c.takes_operands(1);
  return c;
}


std::string log_span(const set_summary& s) {
  if (!s.complete) return "-";
  char text[48];
  std::snprintf(text, sizeof text, "%08X-%08X", s.log_low, s.log_high > s.log_low ? s.log_high - 1 : s.log_low);
  return text;
}

std::string location_argument(const command& c, const char* name) {
  if (c.operands().empty()) throw usage_error(std::string("which location? (jetstrand ") + name + " LOCATION)");
  return c.operands().front();
}

}  // namespace

int list_command(std::span<char*> argv) {
  command cli = list_cli();
  if (!cli.parse(argv, std::cout)) return 0;
  const bool as_json = cli.get<bool>("json");
  const std::string location = location_argument(cli, "list");
  set_locations places;
  auto sets = places.list(location);
  if (as_json) {
    boost::json::array out;
    for (const auto& s : sets) {
      out.push_back({{"name", s.name},
                     {"instance", s.instance},
                     {"kind", s.kind == set_kind::full ? "full" : "incremental"},
                     {"time", s.time},
                     {"size", s.size},
                     {"log_low", s.log_low},
                     {"log_high", s.log_high},
                     {"complete", s.complete}});
    }
    std::cout << boost::json::serialize(boost::json::object{{"sets", std::move(out)}}) << "\n";
    return 0;
  }
  if (sets.empty()) {
    std::cout << "no backup sets in " << location << set_locations::absence_note(location) << "\n";
    return 0;
  }
  std::printf("%-26s %-16s %-12s %-20s %10s  %-17s %s\n", "NAME", "INSTANCE", "KIND", "TIME (UTC)", "SIZE", "LOGS",
              "COMPLETE");
  for (const auto& s : sets) {
    std::printf("%-26s %-16s %-12s %-20s %10s  %-17s %s\n", s.name.c_str(), s.instance.empty() ? "?" : s.instance.c_str(),
                s.kind == set_kind::full ? "full" : "incremental", s.time.c_str(), human_bytes(s.size).c_str(),
                log_span(s).c_str(), s.complete ? "yes" : "NO");
  }
  return 0;
}

int prune_command(std::span<char*> argv) {
  command cli = prune_cli();
  if (!cli.parse(argv, std::cout)) return 0;
  const bool dry_run = cli.get<bool>("dry-run");
  if (!cli.given("keep")) throw usage_error("--keep N is required (how many full chains to keep per instance)");
  const auto keep = static_cast<std::size_t>(cli.get<long long>("keep"));
  const std::string location = location_argument(cli, "prune");
  set_locations places;
  auto sets = places.list(location);
  auto doomed = prune_plan(sets, keep);
  if (doomed.empty()) {
    std::cout << "nothing to delete: every instance has " << keep << " full chain" << (keep == 1 ? "" : "s")
              << " or fewer in " << location << set_locations::absence_note(location) << "\n";
    return 0;
  }
  std::uint64_t freed = 0;
  for (const auto& name : doomed) {
    for (const auto& s : sets) {
      if (s.name == name) freed += s.size;
    }
    if (dry_run) {
      std::cout << "would delete " << name << "\n";
      continue;
    }
    places.remove(location, name);
    std::cout << "deleted " << name << "\n";
  }
  std::cout << (dry_run ? "would free " : "freed ") << human_bytes(freed) << " (" << doomed.size() << " set"
            << (doomed.size() == 1 ? "" : "s") << ")\n";
  return 0;
}

}  // namespace jetstrand::cli
