#pragma once
// Sets and repositories wherever they are: a folder or s3://BUCKET/PREFIX. verify and
// restore read sets from disk, so a set in S3 is first copied into a scratch folder
// (removed again when this object goes); list and prune work on either directly.

#include "s3/s3_client.hpp"

#include "jetstrand/backup/repository.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace jetstrand::cli {

class set_locations {
 public:
  set_locations() = default;
  ~set_locations();
  set_locations(const set_locations&) = delete;
  set_locations& operator=(const set_locations&) = delete;

  // A set as a local folder: the folder itself, or a copy of the S3 set (throws on failure).
  std::filesystem::path local(const std::string& set);
  // Every set in a repository, oldest first (throws std::runtime_error on failure).
  std::vector<backup::set_summary> list(const std::string& location);
  // " (it does not exist)" for a folder location that is not there, else "": what an empty
  // listing adds so that a mistyped path reads as one (an S3 prefix always exists).
  static std::string absence_note(const std::string& location);
  // The set `name` of a repository, as a set location ("LOCATION/name").
  static std::string child(const std::string& location, const std::string& name);
  void remove(const std::string& location, const std::string& name);

 private:
  s3::s3_client& client();
  std::unique_ptr<s3::s3_client> s3_;
  std::filesystem::path scratch_;
};

}  // namespace jetstrand::cli
