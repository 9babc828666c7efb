#pragma once
// A key-value store as `jetstrand-bench storage` drives it, the same way for every system:
// same keys, same values, same durability, same memory budget for its cache.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace jetstrand::bench {

class kv_system {
 public:
  virtual ~kv_system() = default;
  virtual std::string name() const = 0;
  // durable: on disk (fsync'd) when it returns; else written without a sync per commit
  // (RocksDB sync=false, SQLite synchronous=OFF, jetstrand a lazy commit). Thread-safe.
  virtual void put(const std::string& key, const std::string& value, bool durable) = 0;
  virtual bool get(const std::string& key, std::string& value) = 0;
  // Reads up to `n` entries in key order from `from`; returns how many.
  virtual std::size_t scan(const std::string& from, std::size_t n) = 0;
};

// Each returns nullptr when this build does not have the system (see bench/CMakeLists.txt).
std::unique_ptr<kv_system> make_jetstrand_kv(const std::filesystem::path& dir, std::size_t cache_bytes,
                                             std::size_t page_size);
std::unique_ptr<kv_system> make_rocksdb_kv(const std::filesystem::path& dir, std::size_t cache_bytes);
std::unique_ptr<kv_system> make_sqlite_kv(const std::filesystem::path& dir, std::size_t cache_bytes);

}  // namespace jetstrand::bench
