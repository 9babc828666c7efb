#include "s3_repository.hpp"

#include <fstream>
#include <map>

namespace jetstrand::cli::s3 {

namespace fs = std::filesystem;
using namespace jetstrand::backup;

std::vector<set_summary> list_s3_repository(s3_client& client, const s3_location& location) {
  const std::string root = location.prefix.empty() ? "" : location.prefix + "/";
  struct seen {
    std::uint64_t size = 0;
    bool manifest = false, marker = false;
  };
  std::map<std::string, seen> sets;
  for (const auto& o : client.list(location.bucket, root)) {
    auto rest = o.key.substr(root.size());
    auto slash = rest.find('/');
    if (slash == std::string::npos) continue;  // an object beside the sets
    auto& s = sets[rest.substr(0, slash)];
    const auto inner = rest.substr(slash + 1);
    s.size += inner == manifest_file_name || inner == incomplete_marker_name ? 0 : o.size;
    s.manifest = s.manifest || inner == manifest_file_name;
    s.marker = s.marker || inner == incomplete_marker_name;
  }
  std::vector<set_summary> out;
  for (const auto& [name, s] : sets) {
    if (!s.manifest && !s.marker) continue;  // not a set
    const auto set = location.child(name);
    if (!s.marker) {
      boost::system::error_code ec;
      auto m = manifest_from_json(client.get(set.bucket, set.key(manifest_file_name)), ec);
      if (!ec) {
        out.push_back(summary_of(name, m));
        continue;
      }
    }
    // Unfinished, or a manifest that does not parse: listed, never used.
    out.push_back(summary_of_incomplete(
        name, s.marker ? client.get(set.bucket, set.key(incomplete_marker_name)) : std::string(), s.size));
  }
  sort_sets(out);
  return out;
}

void delete_s3_set(s3_client& client, const s3_location& set) {
  client.put(set.bucket, set.key(incomplete_marker_name), "being deleted (prune)\n");
  client.remove(set.bucket, set.key(manifest_file_name));
  for (const auto& o : client.list(set.bucket, set.prefix + "/")) {
    if (o.key != set.key(incomplete_marker_name)) client.remove(set.bucket, o.key);
  }
  client.remove(set.bucket, set.key(incomplete_marker_name));
}

std::uint64_t download_s3_set(s3_client& client, const s3_location& set, const fs::path& dir) {
  std::uint64_t bytes = 0;
  const std::string root = set.prefix + "/";
  for (const auto& o : client.list(set.bucket, root)) {
    const fs::path relative = o.key.substr(root.size());
    if (relative.empty() || relative.is_absolute() || relative.lexically_normal().string().starts_with("..")) continue;
    const auto path = dir / relative;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + path.string());
    client.get(set.bucket, o.key, [&](std::span<const unsigned char> b) {
      out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
      if (!out) throw std::runtime_error("cannot write " + path.string());
      bytes += b.size();
    });
  }
  return bytes;
}

}  // namespace jetstrand::cli::s3
