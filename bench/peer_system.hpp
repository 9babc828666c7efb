#pragma once
// What `jetstrand-bench peers` runs the same way for every system: fill about N bytes,
// copy it all to a fresh directory, and stop a copy in flight from another thread.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace jetstrand::bench {

// A backup running in the background.
class running_backup {
 public:
  virtual ~running_backup() = default;
  // Asks it to stop; from a thread that is not running it. Returns at once.
  virtual void stop() = 0;
  // Blocks until it has returned; true when it ended because of the stop.
  virtual bool wait() = 0;
  // When it returned (steady_ns()).
  std::int64_t end_ns() const { return end_ns_; }

 protected:
  std::int64_t end_ns_ = 0;
};

class peer_system {
 public:
  virtual ~peer_system() = default;
  virtual std::string name() const = 0;
  // How the copy is cut up, for the report ("64 KiB reads", "16-page steps", …).
  virtual std::string granularity() const = 0;
  // Stores about `bytes` of 2000-byte incompressible values, durably, and warms the cache.
  virtual void fill(std::uint64_t bytes) = 0;
  // A whole backup into `to` (created, empty); the bytes copied.
  virtual std::uint64_t backup(const std::filesystem::path& to) = 0;
  virtual std::unique_ptr<running_backup> start_backup(const std::filesystem::path& to) = 0;
};

// The peers this build has (RocksDB, SQLite: each when its Debian -dev package was found).
std::unique_ptr<peer_system> make_rocksdb_peer(const std::filesystem::path& dir);
std::unique_ptr<peer_system> make_sqlite_peer(const std::filesystem::path& dir, std::size_t step_bytes);
std::unique_ptr<peer_system> make_jetstrand_peer(const std::filesystem::path& dir);

}  // namespace jetstrand::bench
