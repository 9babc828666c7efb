// SQLite's online backup API (Debian's libsqlite3-dev) as its documentation shows it:
// sqlite3_backup_step() in batches of pages into a destination database, a stop flag
// checked between batches, sqlite3_backup_finish() at the end or at the stop. Batches are
// as many pages as one jetstrand chunk holds, so both are cut up alike.
#include "bench_clock.hpp"
#include "peer_system.hpp"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <random>
#include <stdexcept>
#include <thread>

namespace jetstrand::bench {
namespace {

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(std::string("sqlite ") + what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
}

sqlite3* open_db(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("sqlite open " + file.string() + ": " + why);
  }
  return db;
}

// Copies `src` into <to>/backup.db, `pages` at a time, until done or `stop` is raised;
// true when it stopped early. The destination is closed either way.
bool copy(sqlite3* src, const std::filesystem::path& to, int pages, const std::atomic<bool>* stop) {
  sqlite3* dst = open_db(to / "backup.db");
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) {
    std::string why = sqlite3_errmsg(dst);
    sqlite3_close(dst);
    throw std::runtime_error("sqlite backup_init: " + why);
  }
  bool stopped = false;
  int rc = SQLITE_OK;
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    if (stop && stop->load(std::memory_order_acquire)) {
      stopped = true;
      break;
    }
    rc = sqlite3_backup_step(b, pages);
  }
  const int finish = sqlite3_backup_finish(b);
  if (!stopped) check(finish, dst, "backup");
  sqlite3_close(dst);
  return stopped;
}

class sqlite_running final : public running_backup {
 public:
  sqlite_running(sqlite3* src, const std::filesystem::path& to, int pages) {
    thread_ = std::thread([this, src, to, pages] {
      stopped_ = copy(src, to, pages, &stop_);
      end_ns_ = steady_ns();
    });
  }
  ~sqlite_running() override {
    if (thread_.joinable()) thread_.join();
  }
  void stop() override { stop_.store(true, std::memory_order_release); }
  bool wait() override {
    thread_.join();
    return stopped_;
  }

 private:
  std::atomic<bool> stop_{false};
  bool stopped_ = false;
  std::thread thread_;
};

class sqlite_peer final : public peer_system {
 public:
  sqlite_peer(const std::filesystem::path& dir, std::size_t step_bytes) : dir_(dir / "sqlite"), step_bytes_(step_bytes) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = open_db(dir_ / "data.db");
    check(sqlite3_exec(db_, "CREATE TABLE kv(k TEXT PRIMARY KEY, v BLOB)", nullptr, nullptr, nullptr), db_, "create");
    sqlite3_int64 page_size = 4096;
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db_, "PRAGMA page_size", -1, &q, nullptr);
    if (sqlite3_step(q) == SQLITE_ROW) page_size = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    pages_ = std::max(1, static_cast<int>(static_cast<sqlite3_int64>(step_bytes_) / page_size));
  }
  ~sqlite_peer() override {
    sqlite3_close(db_);
    std::filesystem::remove_all(dir_);
  }
  std::string name() const override { return "sqlite"; }
  std::string granularity() const override { return std::to_string(pages_) + "-page steps"; }

  void fill(std::uint64_t bytes) override {
    std::mt19937_64 rng(4);
    std::string value(2000, '\0');
    check(sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr), db_, "begin");
    sqlite3_stmt* put = nullptr;
    check(sqlite3_prepare_v2(db_, "INSERT INTO kv VALUES(?, ?)", -1, &put, nullptr), db_, "prepare");
    std::uint64_t n = 0;
    for (std::uint64_t stored = 0; stored < bytes; ++n, stored += value.size() + 16) {
      for (std::size_t j = 0; j < value.size(); j += 8) {
        const auto r = rng();
        std::memcpy(value.data() + j, &r, std::min<std::size_t>(8, value.size() - j));
      }
      const auto key = "k" + std::to_string(n);
      sqlite3_bind_text(put, 1, key.c_str(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
      sqlite3_bind_blob(put, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
      check(sqlite3_step(put), db_, "insert");
      sqlite3_reset(put);
    }
    sqlite3_finalize(put);
    check(sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr), db_, "commit");
  }

  std::uint64_t backup(const std::filesystem::path& to) override {
    copy(db_, to, pages_, nullptr);
    return std::filesystem::file_size(to / "backup.db");
  }

  std::unique_ptr<running_backup> start_backup(const std::filesystem::path& to) override {
    return std::make_unique<sqlite_running>(db_, to, pages_);
  }

 private:
  std::filesystem::path dir_;
  std::size_t step_bytes_;
  int pages_ = 16;
  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<peer_system> make_sqlite_peer(const std::filesystem::path& dir, std::size_t step_bytes) {
  return std::make_unique<sqlite_peer>(dir, step_bytes);
}

}  // namespace jetstrand::bench
