#pragma once
// Where `jetstrand backup` writes a set: a folder or s3://BUCKET/PREFIX, given as --out (the
// set itself) or --repo (a new set inside, named after the time and kind). Resolved and
// checked before the server is asked anything, and nothing is created there until start().

#include "s3/s3_client.hpp"
#include "s3/s3_sink.hpp"

#include "jetstrand/backup/backup_sink.hpp"
#include "jetstrand/backup/manifest.hpp"
#include "jetstrand/backup/zstd_sink.hpp"

#include <memory>
#include <string>

namespace jetstrand::cli {

// How the files are stored.
struct storage_choices {
  bool compress = false;  // every file compressed with zstd (see zstd_sink.hpp)
  std::size_t multipart_threshold = s3::default_multipart_threshold;  // S3: multipart from this size up
};

class backup_target {
 public:
  // Throws usage_error for a malformed location, std::runtime_error when the set is not new
  // (a folder that is not empty, a prefix that holds objects) or the store cannot be read.
  backup_target(const std::string& out, const std::string& repo, const std::string& created,
                backup::set_kind kind, const std::string& instance, const storage_choices& how = {});

  backup::backup_sink& sink() { return zstd_ ? static_cast<backup::backup_sink&>(*zstd_) : *sink_; }
  const std::string& where() const noexcept { return where_; }  // as a user writes it
  // A failed sink call, said plainly (the store's own message for S3).
  std::string describe(const boost::system::error_code& ec) const;
  // With compression: the bytes stored so far (else 0).
  std::uint64_t stored_bytes() const noexcept { return zstd_ ? zstd_->stored_bytes() : 0; }
  // Ends an S3 transfer in progress (from the signal watcher).
  void interrupt() noexcept {
    if (s3_) s3_->interrupt();
  }

 private:
  std::unique_ptr<s3::s3_client> s3_;
  s3::s3_sink* s3_sink_ = nullptr;
  std::unique_ptr<backup::backup_sink> sink_;    // where the bytes go
  std::unique_ptr<backup::zstd_sink> zstd_;     // in front of it, with --compress zstd
  std::string where_;
};

}  // namespace jetstrand::cli
