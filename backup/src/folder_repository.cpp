// The folder half of repository.hpp: listing the sets in a folder and deleting one.
#include "jetstrand/backup/repository.hpp"

#include "io/posix.hpp"
#include "jetstrand/error.hpp"

#include <fstream>
#include <sstream>

namespace jetstrand::backup {

namespace fs = std::filesystem;
using boost::system::error_code;

namespace {

error_code from_std(const std::error_code& e) { return {e.value(), boost::system::system_category()}; }

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// An unfinished set tells what it can: the instance from its marker, the time and kind
// from its name ("20261128T051900Z-incr-2"), the bytes already written.
set_summary describe_incomplete(const fs::path& dir, const std::string& name) {
  set_summary s;
  s.name = name;
  const auto marker = read_text(dir / incomplete_marker_name);
  if (auto at = marker.find("instance: "); at != std::string::npos) {
    s.instance = marker.substr(at + 10, marker.find('\n', at) - at - 10);
  }
  if (name.size() >= 16 && name[8] == 'T' && name[15] == 'Z') {
    s.time = name.substr(0, 4) + "-" + name.substr(4, 2) + "-" + name.substr(6, 2) + "T" + name.substr(9, 2) + ":" +
             name.substr(11, 2) + ":" + name.substr(13, 2) + "Z";
  }
  s.kind = name.find("-incr") != std::string::npos ? set_kind::incremental : set_kind::full;
  std::error_code sec;
  for (auto it = fs::recursive_directory_iterator(dir, sec); !sec && it != fs::recursive_directory_iterator();
       it.increment(sec)) {
    if (it->is_regular_file(sec)) s.size += it->file_size(sec);
  }
  return s;
}

}  // namespace

std::vector<set_summary> list_folder_repository(const fs::path& location, error_code& ec) {
  ec.clear();
  std::vector<set_summary> sets;
  std::error_code sec;
  if (!fs::exists(location, sec)) return sets;
  if (!fs::is_directory(location, sec)) {
    ec = jet_errc::invalid_parameter;
    return sets;
  }
  for (auto it = fs::directory_iterator(location, sec); !sec && it != fs::directory_iterator(); it.increment(sec)) {
    if (!it->is_directory()) continue;
    const auto dir = it->path();
    const auto name = dir.filename().string();
    const bool marked = fs::exists(dir / incomplete_marker_name);
    if (!marked && !fs::exists(dir / manifest_file_name)) continue;  // not a set
    if (marked) {
      sets.push_back(describe_incomplete(dir, name));
      continue;
    }
    error_code mec;
    auto m = read_manifest(dir, mec);
    if (mec) {  // a damaged manifest: listed, never used
      sets.push_back(describe_incomplete(dir, name));
      continue;
    }
    set_summary s;
    s.name = name;
    s.instance = m.instance;
    s.kind = m.kind;
    s.time = m.created;
    s.size = m.stored_bytes();
    s.log_low = m.generation_low;
    s.log_high = m.generation_high;
    s.complete = true;
    sets.push_back(std::move(s));
  }
  if (sec) ec = from_std(sec);
  sort_sets(sets);
  return sets;
}

error_code delete_folder_set(const fs::path& set) {
  if (auto ec = io::posix::write_file_atomically(set / incomplete_marker_name, "being deleted (prune)\n")) return ec;
  std::error_code sec;
  fs::remove(set / manifest_file_name, sec);
  if (!sec) fs::remove_all(set, sec);
  return sec ? from_std(sec) : error_code{};
}

}  // namespace jetstrand::backup
