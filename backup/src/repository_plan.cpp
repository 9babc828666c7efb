// The I/O-free half of repository.hpp: names, chains and prune plans.
#include "jetstrand/backup/repository.hpp"

#include <algorithm>
#include <map>

namespace jetstrand::backup {

namespace {

const char* kind_suffix(set_kind k) { return k == set_kind::full ? "full" : "incr"; }

// "…Z-full-3" -> 3; "…Z-full" -> 1: the order of sets made in the same second.
int same_second_rank(const std::string& name) {
  auto dash = name.rfind('-');
  if (dash == std::string::npos) return 1;
  int n = 0;
  for (char c : name.substr(dash + 1)) {
    if (c < '0' || c > '9') return 1;
    n = n * 10 + (c - '0');
  }
  return n > 0 ? n : 1;
}

}  // namespace

set_summary summary_of(const std::string& name, const backup_manifest& m) {
  set_summary s;
  s.name = name;
  s.instance = m.instance;
  s.kind = m.kind;
  s.time = m.created;
  s.size = m.stored_bytes();
  s.log_low = m.generation_low;
  s.log_high = m.generation_high;
  s.complete = true;
  return s;
}

set_summary summary_of_incomplete(const std::string& name, std::string_view marker, std::uint64_t size) {
  set_summary s;
  s.name = name;
  s.size = size;
  if (auto at = marker.find("instance: "); at != std::string_view::npos) {
    s.instance = std::string(marker.substr(at + 10, marker.find('\n', at) - at - 10));
  }
  if (name.size() >= 16 && name[8] == 'T' && name[15] == 'Z') {
    s.time = name.substr(0, 4) + "-" + name.substr(4, 2) + "-" + name.substr(6, 2) + "T" + name.substr(9, 2) + ":" +
             name.substr(11, 2) + ":" + name.substr(13, 2) + "Z";
  }
  s.kind = name.find("-incr") != std::string::npos ? set_kind::incremental : set_kind::full;
  return s;
}

std::string next_set_name(std::string_view created, set_kind kind, const std::vector<std::string>& existing) {
  // "2026-11-28T05:19:00Z" -> "20261128T051900Z"
  std::string stamp;
  for (char c : created) {
    if (c != '-' && c != ':') stamp += c;
  }
  // The suffix counts sets of the same second whatever their kind, so that it orders them.
  int last = 0;
  for (const auto& name : existing) {
    if (name.starts_with(stamp + "-")) last = std::max(last, same_second_rank(name));
  }
  std::string name = stamp + "-" + kind_suffix(kind);
  if (last > 0) {
    // Appended in two steps: `"-" + std::to_string(...)` trips GCC 12's -Wrestrict at -O3
    // (a false positive, GCC bug 105651).
    name += '-';
    name += std::to_string(last + 1);
  }
  return name;
}

void sort_sets(std::vector<set_summary>& sets) {
  std::stable_sort(sets.begin(), sets.end(), [](const set_summary& a, const set_summary& b) {
    if (a.time != b.time) return a.time < b.time;
    if (auto ra = same_second_rank(a.name), rb = same_second_rank(b.name); ra != rb) return ra < rb;
    return a.kind == set_kind::full && b.kind != set_kind::full;
  });
}

std::vector<set_summary> newest_chain(std::vector<set_summary> sets, std::string_view instance,
                                      std::vector<std::string>* skipped) {
  sort_sets(sets);
  std::erase_if(sets, [&](const set_summary& s) { return s.instance != instance || !s.complete; });
  auto full = std::find_if(sets.rbegin(), sets.rend(), [](const set_summary& s) { return s.kind == set_kind::full; });
  if (full == sets.rend()) return {};
  std::vector<set_summary> chain{*full};
  bool joined = true;
  for (auto it = full.base(); it != sets.end(); ++it) {
    joined = joined && it->log_low <= chain.back().log_high;
    if (joined) {
      chain.push_back(*it);
    } else if (skipped) {
      skipped->push_back(it->name);
    }
  }
  return chain;
}

std::vector<std::string> prune_plan(std::vector<set_summary> sets, std::size_t keep) {
  sort_sets(sets);
  std::map<std::string, std::vector<const set_summary*>> by_instance;
  for (const auto& s : sets) {
    if (!s.instance.empty()) by_instance[s.instance].push_back(&s);
  }
  std::vector<std::string> doomed;
  for (const auto& [instance, own] : by_instance) {
    std::vector<std::size_t> fulls;  // positions of complete full sets, oldest first
    for (std::size_t i = 0; i < own.size(); ++i) {
      if (own[i]->complete && own[i]->kind == set_kind::full) fulls.push_back(i);
    }
    if (keep == 0 || fulls.size() <= keep) continue;
    const std::size_t oldest_kept = fulls[fulls.size() - keep];
    for (std::size_t i = 0; i < oldest_kept; ++i) doomed.push_back(own[i]->name);
  }
  return doomed;
}

}  // namespace jetstrand::backup
