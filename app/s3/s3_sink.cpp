#include "s3_sink.hpp"

#include "jetstrand/error.hpp"

#include <algorithm>

namespace jetstrand::cli::s3 {

using boost::system::error_code;

s3_sink::s3_sink(s3_client& client, s3_location set, std::string instance, std::size_t multipart_threshold)
    : client_(client),
      set_(std::move(set)),
      instance_(std::move(instance)),
      multipart_threshold_(std::max(multipart_threshold, part_size)) {}

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
  upload_id_.clear();
  etags_.clear();
  return {};
}

// Sends every whole part the buffer holds (and, at the end of a file, the short last one),
// starting the multipart upload with the first.
void s3_sink::send_full_parts(bool last) {
  if (upload_id_.empty()) upload_id_ = client_.create_multipart(set_.bucket, key_);
  std::span<const unsigned char> held(buffer_);
  while (held.size() >= part_size || (last && !held.empty())) {
    const auto part = held.first(std::min(part_size, held.size()));
    etags_.push_back(client_.upload_part(set_.bucket, key_, upload_id_, static_cast<int>(etags_.size() + 1), part));
    held = held.subspan(part.size());
  }
  buffer_.erase(buffer_.begin(), buffer_.end() - static_cast<std::ptrdiff_t>(held.size()));
}

error_code s3_sink::write(std::span<const unsigned char> bytes) {
  try {
    while (!bytes.empty()) {
      const std::size_t limit = upload_id_.empty() ? multipart_threshold_ : part_size;
      const auto n = std::min(bytes.size(), limit - buffer_.size());
      buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      bytes = bytes.subspan(n);
      if (buffer_.size() == limit) send_full_parts(false);
    }
    return {};
  } catch (const std::exception& e) {
    return failed(e);
  }
}

error_code s3_sink::end_file(const backup::manifest_file&) {
  try {
    if (upload_id_.empty()) {
      client_.put(set_.bucket, key_, buffer_);  // under the threshold: a single PUT
    } else {
      send_full_parts(true);  // the last part may be short
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
