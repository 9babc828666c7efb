#pragma once
// Writes a backup set into an S3-compatible store under a key prefix, in the folder's
// layout (manifest.json, databases/…, logs/…). An INCOMPLETE object is written first and
// deleted after the manifest, which is written last, so an interrupted set lists as
// incomplete. A file of the multipart threshold (64 MiB by default) or more goes up as a
// multipart upload of 8 MiB parts; a smaller one as a single PUT. Memory: what the file has
// sent until the threshold (a smaller file is held whole, so that a failed PUT can be sent
// again), then one part at a time. abandon() aborts the upload in progress and leaves
// INCOMPLETE with the reason.

#include "s3_client.hpp"
#include "s3_location.hpp"

#include "jetstrand/backup/backup_sink.hpp"

#include <string>
#include <vector>

namespace jetstrand::cli::s3 {

inline constexpr std::size_t part_size = std::size_t{8} << 20;
inline constexpr std::size_t default_multipart_threshold = std::size_t{64} << 20;

class s3_sink final : public backup::backup_sink {
 public:
  // multipart_threshold: at least part_size.
  s3_sink(s3_client& client, s3_location set, std::string instance,
          std::size_t multipart_threshold = default_multipart_threshold);

  boost::system::error_code start() override;
  boost::system::error_code begin_file(const backup::manifest_file& f) override;
  boost::system::error_code write(std::span<const unsigned char> bytes) override;
  boost::system::error_code end_file(const backup::manifest_file& f) override;
  boost::system::error_code commit(const backup::backup_manifest& m) override;
  void abandon(std::string_view reason) noexcept override;

  // The store's message for the last failed call (the error codes say little).
  const std::string& last_error() const noexcept { return last_error_; }

 private:
  boost::system::error_code failed(const std::exception& e);
  void send_full_parts(bool last);

  s3_client& client_;
  s3_location set_;
  std::string instance_;
  std::size_t multipart_threshold_;
  std::string key_;                   // of the file being written
  std::vector<unsigned char> buffer_;  // up to the threshold, then up to one part
  std::string upload_id_;             // of a multipart upload in progress
  std::vector<std::string> etags_;
  std::string last_error_;
};

}  // namespace jetstrand::cli::s3
