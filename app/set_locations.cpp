#include "set_locations.hpp"

#include "command_line/usage_error.hpp"
#include "s3/s3_location.hpp"
#include "s3/s3_repository.hpp"

#include "jetstrand/error.hpp"

#include <cstdlib>
#include <unistd.h>

namespace jetstrand::cli {
using command_line::usage_error;

namespace fs = std::filesystem;

namespace {

s3::s3_location parse_or_throw(const std::string& text) {
  auto l = s3::parse_s3_location(text);
  if (!l) throw usage_error(text + ": expected s3://BUCKET/PREFIX");
  return *l;
}

}  // namespace

set_locations::~set_locations() {
  std::error_code ignored;
  if (!scratch_.empty()) fs::remove_all(scratch_, ignored);
}

s3::s3_client& set_locations::client() {
  if (!s3_) s3_ = std::make_unique<s3::s3_client>(s3::s3_settings::from_environment());
  return *s3_;
}

fs::path set_locations::local(const std::string& set) {
  if (!s3::is_s3(set)) return set;
  const auto location = parse_or_throw(set);
  if (scratch_.empty()) {
    std::string templ = (fs::temp_directory_path() / "jetstrand-sets-XXXXXX").string();
    if (!::mkdtemp(templ.data())) throw std::runtime_error("cannot make a scratch folder in " + fs::temp_directory_path().string());
    scratch_ = templ;
  }
  const auto dir = scratch_ / std::to_string(std::distance(fs::directory_iterator(scratch_), fs::directory_iterator()));
  fs::create_directories(dir);
  if (download_s3_set(client(), location, dir) == 0 && fs::is_empty(dir)) {
    throw std::runtime_error(set + " holds no backup set (no objects under it)");
  }
  return dir;
}

std::vector<backup::set_summary> set_locations::list(const std::string& location) {
  if (s3::is_s3(location)) return s3::list_s3_repository(client(), parse_or_throw(location));
  boost::system::error_code ec;
  auto sets = backup::list_folder_repository(location, ec);
  if (ec) {
    throw std::runtime_error("cannot list " + location + ": " +
                             (ec.category() == jet_category() ? "it is not a folder" : ec.message()));
  }
  return sets;
}

std::string set_locations::absence_note(const std::string& location) {
  std::error_code ec;
  if (s3::is_s3(location) || fs::exists(location, ec)) return "";
  return " (it does not exist)";
}

std::string set_locations::child(const std::string& location, const std::string& name) {
  if (s3::is_s3(location)) return parse_or_throw(location).child(name).text();
  return (fs::path(location) / name).string();
}

void set_locations::remove(const std::string& location, const std::string& name) {
  if (s3::is_s3(location)) return s3::delete_s3_set(client(), parse_or_throw(location).child(name));
  if (auto ec = backup::delete_folder_set(fs::path(location) / name)) {
    throw std::runtime_error("cannot delete " + (fs::path(location) / name).string() + ": " + ec.message());
  }
}

}  // namespace jetstrand::cli
