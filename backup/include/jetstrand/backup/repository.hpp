#pragma once
// A repository: a location (a folder) holding many backup sets, one per subfolder, named
// <UTC time yyyymmddThhmmssZ>-full|incr, with a -2, -3 ... suffix for the second, third ...
// set made in the same second (whatever its kind: the suffix orders them). The planning here is I/O-free: which name a new set gets, which sets a restore
// needs, which sets a prune deletes. list_folder_repository() and delete_folder_set() are
// the folder's I/O.
//
// Chains: for each instance, a complete full set and the complete incrementals after it,
// up to the next full. An incremental belongs to the chain only while the log ranges join
// up (each starts no later than where the one before it ended).

#include "jetstrand/backup/manifest.hpp"

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace jetstrand::backup {

struct set_summary {
  std::string name;       // the subfolder
  std::string instance;   // empty when unknown (an incomplete set written before it was recorded)
  set_kind kind = set_kind::full;
  std::string time;       // when the backup began: UTC, RFC 3339
  std::uint64_t size = 0; // bytes stored (compressed files count compressed; what is there, for an incomplete set)
  std::uint32_t log_low = 0, log_high = 0;  // [low, high); 0, 0 when incomplete
  bool complete = false;  // has a manifest and no INCOMPLETE marker
};

// A complete set's line of a listing, from its manifest.
set_summary summary_of(const std::string& name, const backup_manifest& m);
// An unfinished (or unreadable) set's line: the instance from its INCOMPLETE marker's text
// ("instance: NAME"), the time and kind from its name ("20261128T051900Z-incr-2"), `size`
// the bytes already there.
set_summary summary_of_incomplete(const std::string& name, std::string_view marker, std::uint64_t size);

// The name for a set begun at `created` ("2026-11-28T05:19:00Z"), not among `existing`.
std::string next_set_name(std::string_view created, set_kind kind, const std::vector<std::string>& existing);

// Oldest first: by time, then by the name's same-second suffix, full before incremental.
void sort_sets(std::vector<set_summary>& sets);

// The sets a restore of `instance` needs, oldest first: its newest complete full and the
// complete incrementals after it that join up. Empty when it has no complete full set.
// `skipped` gets the complete incrementals after the full that do not join up (and so
// cannot be replayed), for the caller to report.
std::vector<set_summary> newest_chain(std::vector<set_summary> sets, std::string_view instance,
                                      std::vector<std::string>* skipped = nullptr);

// The sets `prune --keep keep` deletes: per instance, everything older than the oldest of
// its `keep` newest complete full sets (older chains, incomplete sets, incrementals without
// a full). Nothing of an instance with `keep` full sets or fewer; never a set of unknown
// instance. keep >= 1.
std::vector<std::string> prune_plan(std::vector<set_summary> sets, std::size_t keep);

// Every set in a folder, oldest first (a missing folder is an empty repository). Subfolders
// that hold neither a manifest nor an INCOMPLETE marker are not sets and are left out.
std::vector<set_summary> list_folder_repository(const std::filesystem::path& location, boost::system::error_code& ec);

// Deletes a set so that an interruption never leaves it looking complete: the marker is
// written and the manifest removed first, then the rest.
boost::system::error_code delete_folder_set(const std::filesystem::path& set);

}  // namespace jetstrand::backup
