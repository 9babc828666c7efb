#pragma once
// Where a whole backup goes (see backup_driver.hpp): a directory, /dev/null, or any byte
// stream. The driver calls, one at a time and in this order:
//
//   start()                                   once the begin succeeded (nothing exists before)
//   begin_file(f), write(bytes)..., end_file(f)   for each file (end_file: f.crc32c is set)
//   commit(manifest)                          the backup completed: the set is now whole
//   or abandon(reason)                        it did not (after start): mark the set incomplete
//
// Calls run on the driver's executor and may block it (a directory sink writes
// synchronously): give the driver an executor of its own when that matters.

#include "jetstrand/backup/manifest.hpp"

#include <boost/system/error_code.hpp>

#include <span>
#include <string_view>

namespace jetstrand::backup {

class backup_sink {
 public:
  virtual ~backup_sink() = default;
  virtual boost::system::error_code start() = 0;
  virtual boost::system::error_code begin_file(const manifest_file& f) = 0;
  virtual boost::system::error_code write(std::span<const unsigned char> bytes) = 0;
  virtual boost::system::error_code end_file(const manifest_file& f) = 0;
  virtual boost::system::error_code commit(const backup_manifest& m) = 0;
  virtual void abandon(std::string_view reason) noexcept = 0;
};

// Discards the bytes, counts them: for throughput measurements and dry runs.
class null_sink final : public backup_sink {
 public:
  boost::system::error_code start() override { return {}; }
  boost::system::error_code begin_file(const manifest_file&) override { return {}; }
  boost::system::error_code write(std::span<const unsigned char> bytes) override {
    bytes_ += bytes.size();
    return {};
  }
  boost::system::error_code end_file(const manifest_file&) override { return {}; }
  boost::system::error_code commit(const backup_manifest&) override { return {}; }
  void abandon(std::string_view) noexcept override {}
  std::uint64_t bytes() const noexcept { return bytes_; }

 private:
  std::uint64_t bytes_ = 0;
};

}  // namespace jetstrand::backup
