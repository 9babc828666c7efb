#include "jetstrand/backup/manifest.hpp"

#include "jetstrand/error.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

namespace jetstrand::backup {

namespace fs = std::filesystem;
namespace json = boost::json;
using boost::system::error_code;

const char* to_string(set_kind k) noexcept { return k == set_kind::full ? "full" : "incremental"; }
const char* to_string(backup_file_kind k) noexcept {
  return k == backup_file_kind::database ? "database" : "log";
}

fs::path manifest_file::relative_path() const {
  return fs::path(kind == backup_file_kind::database ? "databases" : "logs") /
         (compression == file_compression::zstd ? name + ".zst" : name);
}

std::uint64_t backup_manifest::total_bytes() const noexcept {
  std::uint64_t n = 0;
  for (const auto& f : files) n += f.size;
  return n;
}

std::uint64_t backup_manifest::stored_bytes() const noexcept {
  std::uint64_t n = 0;
  for (const auto& f : files) n += f.compression == file_compression::none ? f.size : f.stored_size;
  return n;
}

std::string to_json(const backup_manifest& m) {
  json::array files;
  for (const auto& f : m.files) {
    json::object o{{"name", f.name}, {"kind", to_string(f.kind)}, {"size", f.size}, {"crc32c", f.crc32c}};
    if (f.compression == file_compression::zstd) {
      o["compression"] = "zstd";
      o["stored_size"] = f.stored_size;
    }
    files.push_back(std::move(o));
  }
  json::object o{{"format", "jetstrand-backup"},
                 {"version", m.version},
                 {"instance", m.instance},
                 {"kind", to_string(m.kind)},
                 {"generation_low", m.generation_low},
                 {"generation_high", m.generation_high},
                 {"created", m.created},
                 {"files", std::move(files)}};
  return json::serialize(o) + "\n";
}

namespace {
// Every field must be there with the right type; file names must be plain names.
bool parse(const json::value& v, backup_manifest& m) {
  const auto* o = v.if_object();
  if (!o) return false;
  auto str = [&](const json::object& obj, const char* key, std::string& out) {
    auto* p = obj.if_contains(key);
    if (!p || !p->is_string()) return false;
    out = std::string(p->get_string());
    return true;
  };
  auto num = [&](const json::object& obj, const char* key, auto& out) {
    auto* p = obj.if_contains(key);
    if (!p) return false;
    error_code ec;
    auto n = p->to_number<std::uint64_t>(ec);
    if (ec || n > std::numeric_limits<std::remove_reference_t<decltype(out)>>::max()) return false;
    out = static_cast<std::remove_reference_t<decltype(out)>>(n);
    return true;
  };
  std::string format, kind;
  std::uint32_t version = 0;
  if (!str(*o, "format", format) || format != "jetstrand-backup") return false;
  if (!num(*o, "version", version) || version != manifest_format_version) return false;
  if (!str(*o, "instance", m.instance) || !str(*o, "kind", kind) ||
      !num(*o, "generation_low", m.generation_low) || !num(*o, "generation_high", m.generation_high) ||
      !str(*o, "created", m.created)) {
    return false;
  }
  if (kind == "full") m.kind = set_kind::full;
  else if (kind == "incremental") m.kind = set_kind::incremental;
  else return false;
  if (m.generation_high < m.generation_low) return false;
  const auto* files = o->if_contains("files");
  if (!files || !files->is_array()) return false;
  for (const auto& fv : files->get_array()) {
    const auto* fo = fv.if_object();
    if (!fo) return false;
    manifest_file f;
    std::string fkind;
    if (!str(*fo, "name", f.name) || !str(*fo, "kind", fkind) || !num(*fo, "size", f.size) ||
        !num(*fo, "crc32c", f.crc32c)) {
      return false;
    }
    // Optional (sets written before compression existed have neither).
    if (fo->contains("compression")) {
      std::string c;
      if (!str(*fo, "compression", c) || c != "zstd" || !num(*fo, "stored_size", f.stored_size)) return false;
      f.compression = file_compression::zstd;
    }
    if (fkind == "database") f.kind = backup_file_kind::database;
    else if (fkind == "log") f.kind = backup_file_kind::log;
    else return false;
    if (f.name.empty() || f.name.find('/') != std::string::npos || f.name == "." || f.name == "..") {
      return false;
    }
    m.files.push_back(std::move(f));
  }
  m.version = manifest_format_version;
  return true;
}
}  // namespace

backup_manifest manifest_from_json(std::string_view text, error_code& ec) {
  ec.clear();
  backup_manifest m;
  error_code pec;
  auto v = json::parse(text, pec);
  if (pec || !parse(v, m)) {
    ec = jet_errc::restore_of_non_backup_database;
    return {};
  }
  return m;
}

backup_manifest read_manifest(const fs::path& dir, error_code& ec) {
  ec.clear();
  std::error_code sec;
  if (fs::exists(dir / incomplete_marker_name, sec)) {
    ec = jet_errc::restore_of_non_backup_database;
    return {};
  }
  std::ifstream in(dir / manifest_file_name, std::ios::binary);
  if (!in) {
    ec = jet_errc::restore_of_non_backup_database;
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return manifest_from_json(text.str(), ec);
}

std::string utc_timestamp_now() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace jetstrand::backup
