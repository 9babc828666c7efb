// `jetstrand restore` and `jetstrand verify`: offline, on backup sets in directories.
#include "backup_command.hpp"
#include "command_line/command.hpp"
#include "human_units.hpp"
#include "s3/s3_location.hpp"
#include "set_locations.hpp"

#include "jetstrand/backup/manifest.hpp"
#include "jetstrand/backup/repository.hpp"
#include "jetstrand/backup/restore.hpp"
#include "jetstrand/backup/verify.hpp"
#include "jetstrand/error.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>

namespace jetstrand::cli {
using namespace jetstrand::backup;
using namespace jetstrand::command_line;

namespace {

command restore_cli() {
  command c("jetstrand restore (--from SET [--from SET ...] | --repo LOCATION) --data DIR [options]",
            "Restores an instance from a backup set (a full set, then any incrementals taken after it,\n"
            "in order) into DIR/<instance>, replays its logs and verifies every database. The sets are\n"
            "verified first; if anything is missing or damaged, nothing is written. The instance must\n"
            "not exist in DIR yet. Then `jetstrand serve --data DIR` serves it.",
            "Exit status: 0 restored, 1 refused or failed (the reason and its JET code are printed).");
  c.options()
      ("from", repeated_text("SET"),
       "a backup set: a folder or s3://BUCKET/PREFIX (repeat: full first, then incrementals)")
      ("repo", text("LOCATION"),
       "restore the newest complete chain in a repository (a folder or s3://BUCKET/PREFIX): the newest "
       "complete full set and the complete incrementals after it")
      ("data", text("DIR"), "the data directory to restore into (created if needed)")
      ("instance", text("NAME"),
       "with --from: restore under this name (default: the name in the manifest); with --repo: whose chain, "
       "when the repository holds backups of several instances");
  return c;
}

command verify_cli() {
  command c("jetstrand verify (SET [SET ...] | --repo LOCATION) [options]",
            "Checks backup sets (folders, or s3://BUCKET/PREFIX: copied to a scratch folder first): the\n"
            "manifest, every file's size and CRC32C, every database page (checksum, page number, tree),\n"
            "every log record, and that the logs cover the range the databases need. Several sets are\n"
            "checked as a chain: a full set, then incrementals. With --repo, the chain that `jetstrand\n"
            "restore --repo` would restore.",
            "Exit status: 0 clean, 1 a problem was found (which file, what, and its JET code).");
  c.takes_operands(std::numeric_limits<std::size_t>::max());
  c.options()
      ("repo", text("LOCATION"),
       "check the newest complete chain in a repository (a folder or s3://BUCKET/PREFIX): the newest "
       "complete full set and the complete incrementals after it")
      ("instance", text("NAME"), "with --repo: whose chain, when the repository holds backups of several instances");
  return c;
}

std::string describe(const boost::system::error_code& ec) {
  if (ec.category() == jet_category()) {
    return std::to_string(ec.value()) + " " + std::string(jet_error_name(ec.value()));
  }
  return ec.message();
}

// A set named on the command line that is not there: said plainly, before anything else.
bool report_missing_sets(const char* command, const std::vector<std::filesystem::path>& sets) {
  for (const auto& set : sets) {
    if (s3::is_s3(set.string())) continue;
    std::error_code ec;
    if (!std::filesystem::exists(set, ec)) {
      std::cerr << "jetstrand " << command << ": " << set.string() << " does not exist\n";
      return true;
    }
    if (!std::filesystem::is_directory(set, ec)) {
      std::cerr << "jetstrand " << command << ": " << set.string()
                << " is not a directory (a backup set is the directory `jetstrand backup --out` made)\n";
      return true;
    }
  }
  return false;
}

std::string log_name(std::uint32_t gen) {
  char name[32];
  std::snprintf(name, sizeof name, "gen-%08X.log", gen);
  return name;
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// --repo: the newest complete chain of the repository's instance (or of `instance`), as
// `restore` restores it and `verify` checks it, said on stdout ("restoring …"); empty after
// saying on stderr why there is none.
std::vector<std::filesystem::path> chain_from_repository(const char* command, const char* doing,
                                                         set_locations& places, const std::string& location,
                                                         std::string instance) {
  const auto sets = places.list(location);
  if (sets.empty()) {
    std::cerr << "jetstrand " << command << ": " << location << " holds no backup sets"
              << set_locations::absence_note(location) << "\n";
    return {};
  }
  std::vector<std::string> instances;
  for (const auto& s : sets) {
    if (s.complete && std::find(instances.begin(), instances.end(), s.instance) == instances.end()) {
      instances.push_back(s.instance);
    }
  }
  if (instance.empty()) {
    if (instances.size() > 1) {
      std::cerr << "jetstrand " << command << ": " << location << " holds backups of several instances (";
      for (std::size_t i = 0; i < instances.size(); ++i) std::cerr << (i ? ", " : "") << instances[i];
      std::cerr << "): say which with --instance NAME\n";
      return {};
    }
    if (!instances.empty()) instance = instances.front();
  }
  std::vector<std::string> skipped;
  const auto chain = newest_chain(sets, instance, &skipped);
  if (chain.empty()) {
    std::cerr << "jetstrand " << command << ": " << location << " holds no complete full backup"
              << (instance.empty() ? "" : " of instance '" + instance + "'") << " (see `jetstrand list "
              << location << "`)\n";
    return {};
  }
  for (const auto& name : skipped) {
    std::cerr << "warning: " << name << " is left out: its logs do not join the sets before it\n";
  }
  std::cout << doing << " " << chain.front().name;
  if (chain.size() > 1) std::cout << " and " << plural(chain.size() - 1, "incremental", "incrementals");
  std::cout << " from " << location << "\n";
  std::vector<std::filesystem::path> paths;
  for (const auto& s : chain) paths.emplace_back(set_locations::child(location, s.name));
  return paths;
}

// A folder given as a set that is a repository of sets instead: what to type (`instead`,
// the command line for its newest chain).
void hint_if_repository(set_locations& places, const std::string& location, const std::string& instead) {
  if (s3::is_s3(location)) return;  // not listed again just for a hint
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::path(location) / manifest_file_name, ec)) return;
  try {
    const auto sets = places.list(location);
    if (sets.empty()) return;
    std::cerr << "  " << location << " is a repository of " << plural(sets.size(), "backup set", "backup sets")
              << ", not a set: for its newest chain, `" << instead << "`; or name sets inside it (see `jetstrand list "
              << location << "`)\n";
  } catch (const std::exception&) {
    // Not a repository either: the error above stands alone.
  }
}

}  // namespace

int restore_command(std::span<char*> argv) {
  command cli = restore_cli();
  if (!cli.parse(argv, std::cout)) return 0;
  restore_options o;
  for (const auto& set : cli.find<std::vector<std::string>>("from").value_or(std::vector<std::string>{})) {
    o.sets.emplace_back(set);
  }
  auto repo = cli.find<std::string>("repo");
  o.data_dir = cli.find<std::string>("data").value_or("");
  o.instance = cli.find<std::string>("instance").value_or("");
  if (o.sets.empty() == !repo) throw usage_error("give --from SET (one or more) or --repo LOCATION");
  if (o.data_dir.empty()) throw usage_error("--data DIR is required");
  set_locations places;
  if (repo) {
    o.sets = chain_from_repository("restore", "restoring", places, *repo, o.instance);
    if (o.sets.empty()) return 1;
  }

  if (report_missing_sets("restore", o.sets)) return 1;
  const std::vector<std::string> named(o.sets.begin(), o.sets.end());
  for (auto& set : o.sets) set = places.local(set.string());  // a set in S3: a local copy
  restore_report r;
  if (auto ec = restore_backup(o, r)) {
    std::cerr << "jetstrand restore: refused (" << describe(ec) << "): "
              << (r.problem.empty() ? ec.message() : r.problem) << "\n"
              << "  nothing was written to " << o.data_dir.string() << "\n";
    if (ec == jet_errc::restore_of_non_backup_database && !repo) {
      for (const auto& set : named) {
        hint_if_repository(places, set, "jetstrand restore --repo " + set + " --data " + o.data_dir.string());
      }
    }
    return 1;
  }
  std::cout << "restored instance '" << r.instance << "' into " << r.directory.string() << ": "
            << plural(r.databases.size(), "database", "databases") << ", logs " << log_name(r.generation_low)
            << " to " << log_name(std::max(r.generation_low, r.generation_high - 1)) << ", "
            << plural(r.records_replayed, "record", "records") << " replayed, "
            << plural(r.verified.files, "file", "files") << " verified\n";
  return 0;
}

int verify_command(std::span<char*> argv) {
  command cli = verify_cli();
  if (!cli.parse(argv, std::cout)) return 0;
  std::vector<std::filesystem::path> sets(cli.operands().begin(), cli.operands().end());
  const auto repo = cli.find<std::string>("repo");
  const auto instance = cli.find<std::string>("instance");
  if (repo && !sets.empty()) throw usage_error("give sets or --repo LOCATION, not both");
  if (!repo && sets.empty()) throw usage_error("which backup set? (jetstrand verify SET, or --repo LOCATION)");
  if (instance && !repo) throw usage_error("--instance goes with --repo (the sets given are checked as they are)");
  set_locations places;
  if (repo) {
    sets = chain_from_repository("verify", "verifying", places, *repo, instance.value_or(""));
    if (sets.empty()) return 1;
  }
  if (report_missing_sets("verify", sets)) return 1;
  const std::vector<std::string> named(sets.begin(), sets.end());
  for (auto& set : sets) set = places.local(set.string());  // a set in S3: a local copy
  verify_report r;
  auto ec = sets.size() == 1 ? verify_backup_set(sets.front(), r) : verify_backup_chain(sets, r);
  if (ec) {
    std::cerr << "jetstrand verify: " << describe(ec) << ": " << (r.problem.empty() ? ec.message() : r.problem) << "\n";
    if (ec == jet_errc::restore_of_non_backup_database) {
      for (const auto& set : named) hint_if_repository(places, set, "jetstrand verify --repo " + set);
    }
    return 1;
  }
  std::cout << "ok: " << plural(sets.size(), "set", "sets") << ", " << plural(r.files, "file", "files") << ", "
            << human_bytes(r.bytes) << ", " << plural(r.log_records, "log record", "log records") << " verified\n";
  return 0;
}

}  // namespace jetstrand::cli
