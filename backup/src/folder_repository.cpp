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

// An unfinished set: what its marker and name say, and the bytes already written.
set_summary describe_incomplete(const fs::path& dir, const std::string& name) {
  std::uint64_t size = 0;
  std::error_code sec;
  for (auto it = fs::recursive_directory_iterator(dir, sec); !sec && it != fs::recursive_directory_iterator();
       it.increment(sec)) {
    if (it->is_regular_file(sec)) size += it->file_size(sec);
  }
  return summary_of_incomplete(name, read_text(dir / incomplete_marker_name), size);
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
    sets.push_back(summary_of(name, m));
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
