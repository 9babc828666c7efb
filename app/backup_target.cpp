#include "backup_target.hpp"

#include "command_line/usage_error.hpp"
#include "s3/s3_repository.hpp"

#include "jetstrand/backup/directory_sink.hpp"
#include "jetstrand/backup/repository.hpp"
#include "jetstrand/error.hpp"

#include <filesystem>

namespace jetstrand::cli {
using command_line::usage_error;

namespace fs = std::filesystem;
using namespace jetstrand::backup;

backup_target::backup_target(const std::string& out, const std::string& repo, const std::string& created,
                             set_kind kind, const std::string& instance, const storage_choices& how) {
  const std::string& given = out.empty() ? repo : out;
  if (s3::is_s3(given)) {
    auto location = s3::parse_s3_location(given);
    if (!location || (location->prefix.empty() && !out.empty())) {
      throw usage_error((out.empty() ? "--repo " : "--out ") + given +
                        ": expected s3://BUCKET/PREFIX (a bucket name of 3-63 lower-case letters, digits, '-' or '.')");
    }
    s3_ = std::make_unique<s3::s3_client>(s3::s3_settings::from_environment());
    if (!repo.empty()) {
      std::vector<std::string> names;
      for (const auto& s : s3::list_s3_repository(*s3_, *location)) names.push_back(s.name);
      location = location->child(next_set_name(created, kind, names));
    } else if (!s3_->list(location->bucket, location->prefix + "/").empty()) {
      throw std::runtime_error("cannot use " + given + ": it already holds objects (a backup set needs a new prefix)");
    }
    where_ = location->text();
    auto sink = std::make_unique<s3::s3_sink>(*s3_, *location, instance, how.multipart_threshold);
    s3_sink_ = sink.get();
    sink_ = std::move(sink);
    if (how.compress) zstd_ = std::make_unique<zstd_sink>(*sink_);
    return;
  }
  fs::path dir = out;
  if (!repo.empty()) {
    boost::system::error_code ec;
    list_folder_repository(repo, ec);
    if (ec) throw usage_error("--repo " + repo + ": not a folder");
    std::vector<std::string> names;
    std::error_code sec;
    for (auto it = fs::directory_iterator(repo, sec); !sec && it != fs::directory_iterator(); it.increment(sec)) {
      names.push_back(it->path().filename().string());  // any folder there, set or not
    }
    dir = fs::path(repo) / next_set_name(created, kind, names);
  }
  std::error_code sec;
  if (fs::exists(dir, sec) && !fs::is_empty(dir, sec)) {
    throw std::runtime_error("cannot use " + dir.string() +
                             ": it exists and is not empty (a backup set needs a new or empty directory)");
  }
  where_ = dir.string();
  sink_ = std::make_unique<directory_sink>(dir, instance);
  if (how.compress) zstd_ = std::make_unique<zstd_sink>(*sink_);
}

std::string backup_target::describe(const boost::system::error_code& ec) const {
  if (s3_sink_ && !s3_sink_->last_error().empty()) return s3_sink_->last_error();
  if (ec == jet_errc::invalid_parameter) return "it exists and is not empty";
  return ec.message();
}

}  // namespace jetstrand::cli
