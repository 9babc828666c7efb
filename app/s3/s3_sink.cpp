#include "s3_sink.hpp"

#include "jetstrand/error.hpp"

namespace jetstrand::cli::s3 {

using boost::system::error_code;

s3_sink::s3_sink(s3_client& client, s3_location set, std::string instance)
    : client_(client), set_(std::move(set)), instance_(std::move(instance)) {}

error_code s3_sink::failed(const std::exception& e) {
  last_error_ = e.what();
  return make_error_code(boost::system::errc::io_error);
}

error_code s3_sink::start() {
  try {
    if (!client_.list(set_.bucket, set_.prefix + "/").empty()) {
      last_error_ = set_.text() + " already holds objects";
      return jet_errc::invalid_parameter;
    }
    client_.put(set_.bucket, set_.key(backup::incomplete_marker_name),
                "backup in progress\ninstance: " + instance_ + "\n");
    return {};
  } catch (const std::exception& e) {
    return failed(e);
  }
}

error_code s3_sink::begin_file(const backup::manifest_file& f) {
  key_ = set_.key(f.relative_path().generic_string());
  buffer_.clear();
  buffer_.reserve(part_size);
  upload_id_.clear();
  etags_.clear();
  return {};
}

void s3_sink::flush_part() {
  if (upload_id_.empty()) upload_id_ = client_.create_multipart(set_.bucket, key_);
  etags_.push_back(client_.upload_part(set_.bucket, key_, upload_id_, static_cast<int>(etags_.size() + 1), buffer_));
  buffer_.clear();
}

error_code s3_sink::write(std::span<const unsigned char> bytes) {
  try {
    while (!bytes.empty()) {
      const auto n = std::min(bytes.size(), part_size - buffer_.size());
      buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      bytes = bytes.subspan(n);
      if (buffer_.size() == part_size) flush_part();
    }
    return {};
  } catch (const std::exception& e) {
    return failed(e);
  }
}

error_code s3_sink::end_file(const backup::manifest_file&) {
  try {
    if (upload_id_.empty()) {
      client_.put(set_.bucket, key_, buffer_);  // one part or less: a single PUT
    } else {
      if (!buffer_.empty()) flush_part();  // the last part may be short
      client_.complete_multipart(set_.bucket, key_, upload_id_, etags_);
      upload_id_.clear();
    }
    buffer_.clear();
    return {};
  } catch (const std::exception& e) {
    return failed(e);
  }
}

error_code s3_sink::commit(const backup::backup_manifest& m) {
  try {
    client_.put(set_.bucket, set_.key(backup::manifest_file_name), backup::to_json(m));
    client_.remove(set_.bucket, set_.key(backup::incomplete_marker_name));
    return {};
  } catch (const std::exception& e) {
    return failed(e);
  }
}

void s3_sink::abandon(std::string_view reason) noexcept {
  // After Ctrl-C the user is waiting: the clean-up gets a few seconds.
  client_.clear_interrupt(std::chrono::seconds(5));
  try {
    if (!upload_id_.empty()) client_.abort_multipart(set_.bucket, key_, upload_id_);
  } catch (const std::exception& e) {
    last_error_ = std::string("aborting the multipart upload of ") + key_ + " failed: " + e.what();
  }
  upload_id_.clear();
  try {
    client_.put(set_.bucket, set_.key(backup::incomplete_marker_name),
                "backup did not complete: " + std::string(reason) + "\ninstance: " + instance_ + "\n");
  } catch (...) {
    // The marker from start() stays: the set lists as incomplete either way.
  }
}

}  // namespace jetstrand::cli::s3
