// `jetstrand list` and `jetstrand prune`: the backup sets in a repository (a folder of sets
// made by `jetstrand backup --repo`).
#include "backup_command.hpp"
#include "cli_args.hpp"
#include "human_units.hpp"
#include "set_locations.hpp"

#include "jetstrand/backup/repository.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

namespace jetstrand::cli {
using namespace jetstrand::backup;

const char* const list_usage = R"(usage: jetstrand list LOCATION [--json]

Lists the backup sets in LOCATION (a folder or s3://BUCKET/PREFIX that `jetstrand backup
--repo LOCATION` writes to), oldest first: name, instance, full or incremental, when it began (UTC), size,
the log generations it holds, and whether it is complete. An incomplete set (interrupted,
or still being written) is never used by restore.

options:
  --json             {"sets":[{"name","instance","kind","time","size","log_low",
                     "log_high","complete"}]} instead of a table
  -h, --help         this text
)";

const char* const prune_usage = R"(usage: jetstrand prune LOCATION --keep N [--dry-run]

Deletes old backup sets from LOCATION (a folder or s3://BUCKET/PREFIX): for each instance, every set older than its N
newest complete full sets (their older chains, incomplete sets and incrementals without a
full). A kept full set's incrementals, and anything newer, stay. An instance with N full
sets or fewer loses nothing.

options:
  --keep N           how many full chains to keep per instance (1 or more; required)
  --dry-run          say what would be deleted, delete nothing
  -h, --help         this text
)";

namespace {

std::string log_span(const set_summary& s) {
  if (!s.complete) return "-";
  char text[48];
  std::snprintf(text, sizeof text, "%08X-%08X", s.log_low, s.log_high > s.log_low ? s.log_high - 1 : s.log_low);
  return text;
}

std::string location_argument(args& a, const char* command) {
  auto rest = a.positional();
  if (rest.empty()) throw usage_error(std::string("which location? (jetstrand ") + command + " LOCATION)");
  if (rest.size() > 1) throw usage_error("one location, got '" + rest[1] + "' too");
  return rest.front();
}

}  // namespace

int list_command(std::span<char*> argv) {
  args a(argv);
  if (a.flag("--help") || a.flag("-h")) {
    std::cout << list_usage;
    return 0;
  }
  const bool as_json = a.flag("--json");
  const std::string location = location_argument(a, "list");
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
    std::cout << "no backup sets in " << location << "\n";
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
  args a(argv);
  if (a.flag("--help") || a.flag("-h")) {
    std::cout << prune_usage;
    return 0;
  }
  const bool dry_run = a.flag("--dry-run");
  auto keep_text = a.value("--keep");
  if (!keep_text) throw usage_error("--keep N is required (how many full chains to keep per instance)");
  std::size_t keep = 0;
  try {
    keep = std::stoul(*keep_text);
  } catch (...) {
  }
  if (keep < 1 || keep > 1'000'000 || keep_text->find_first_not_of("0123456789") != std::string::npos) {
    throw usage_error("--keep " + *keep_text + ": expected a number, 1 or more");
  }
  const std::string location = location_argument(a, "prune");
  set_locations places;
  auto sets = places.list(location);
  auto doomed = prune_plan(sets, keep);
  if (doomed.empty()) {
    std::cout << "nothing to delete: every instance has " << keep << " full chain" << (keep == 1 ? "" : "s")
              << " or fewer in " << location << "\n";
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
