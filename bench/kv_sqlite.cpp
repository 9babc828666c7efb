// SQLite as kv_system: WAL mode, a WITHOUT ROWID table (the key is the B-tree's key, as in
// jetstrand), its page cache set to the budget. One connection in serialized mode: SQLite
// has one writer at a time, so concurrent commits queue (that is what its users get).
#include "kv_system.hpp"

#include <sqlite3.h>

#include <mutex>
#include <stdexcept>

namespace jetstrand::bench {
namespace {

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(std::string("sqlite ") + what + ": " + sqlite3_errmsg(db));
  }
}

class sqlite_kv final : public kv_system {
 public:
  sqlite_kv(const std::filesystem::path& dir, std::size_t cache_bytes) {
    std::filesystem::create_directories(dir);
    check(sqlite3_open_v2((dir / "kv.db").c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr),
          db_, "open");
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA cache_size=-" + std::to_string(cache_bytes / 1024));
    exec("CREATE TABLE kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID");
    check(sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO kv VALUES(?, ?)", -1, &put_, nullptr), db_, "prepare");
    check(sqlite3_prepare_v2(db_, "SELECT v FROM kv WHERE k = ?", -1, &get_, nullptr), db_, "prepare");
    check(sqlite3_prepare_v2(db_, "SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT ?", -1, &scan_, nullptr), db_, "prepare");
  }
  ~sqlite_kv() override {
    sqlite3_finalize(put_);
    sqlite3_finalize(get_);
    sqlite3_finalize(scan_);
    sqlite3_close(db_);
  }
  std::string name() const override { return "sqlite"; }
  void put(const std::string& key, const std::string& value, bool durable) override {
    std::lock_guard lock(mutex_);
    if (durable != durable_) {
      exec(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF");
      durable_ = durable;
    }
    sqlite3_bind_blob(put_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_blob(put_, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    check(sqlite3_step(put_), db_, "insert");
    sqlite3_reset(put_);
  }
  bool get(const std::string& key, std::string& value) override {
    std::lock_guard lock(mutex_);
    sqlite3_bind_blob(get_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    const int rc = sqlite3_step(get_);
    const bool found = rc == SQLITE_ROW;
    if (found) value.assign(static_cast<const char*>(sqlite3_column_blob(get_, 0)), static_cast<std::size_t>(sqlite3_column_bytes(get_, 0)));
    sqlite3_reset(get_);
    return found;
  }
  std::size_t scan(const std::string& from, std::size_t n) override {
    std::lock_guard lock(mutex_);
    sqlite3_bind_blob(scan_, 1, from.data(), static_cast<int>(from.size()), SQLITE_STATIC);
    sqlite3_bind_int64(scan_, 2, static_cast<sqlite3_int64>(n));
    std::size_t got = 0;
    std::string k, v;
    while (sqlite3_step(scan_) == SQLITE_ROW) {
      k.assign(static_cast<const char*>(sqlite3_column_blob(scan_, 0)), static_cast<std::size_t>(sqlite3_column_bytes(scan_, 0)));
      v.assign(static_cast<const char*>(sqlite3_column_blob(scan_, 1)), static_cast<std::size_t>(sqlite3_column_bytes(scan_, 1)));
      ++got;
    }
    sqlite3_reset(scan_);
    return got;
  }

 private:
  void exec(const std::string& sql) { check(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), db_, sql.c_str()); }
  sqlite3* db_ = nullptr;
  sqlite3_stmt *put_ = nullptr, *get_ = nullptr, *scan_ = nullptr;
  std::mutex mutex_;
  bool durable_ = true;  // SQLite's default, synchronous=FULL
};

}  // namespace

std::unique_ptr<kv_system> make_sqlite_kv(const std::filesystem::path& dir, std::size_t cache_bytes) {
  return std::make_unique<sqlite_kv>(dir, cache_bytes);
}

}  // namespace jetstrand::bench
