// RocksDB's BackupEngine (Debian's librocksdb-dev), as a user would run it: default
// BackupEngineOptions (files copied and synced), no compression so the volume is the same,
// the memtable flushed before measuring. A stop is BackupEngine::StopBackup(); since it
// cannot be undone, every running backup gets a BackupEngine of its own.
#include "bench_clock.hpp"
#include "peer_system.hpp"

#include <rocksdb/db.h>
#include <rocksdb/utilities/backup_engine.h>

#include <chrono>
#include <cstring>
#include <random>
#include <stdexcept>
#include <thread>

namespace jetstrand::bench {
namespace {

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string("rocksdb ") + what + ": " + s.ToString());
}

std::unique_ptr<rocksdb::BackupEngine> open_engine(const std::filesystem::path& to) {
  rocksdb::BackupEngine* e = nullptr;
  check(rocksdb::BackupEngine::Open(rocksdb::BackupEngineOptions(to.string()), rocksdb::Env::Default(), &e),
        "open backup engine");
  return std::unique_ptr<rocksdb::BackupEngine>(e);
}

class rocksdb_running final : public running_backup {
 public:
  rocksdb_running(rocksdb::DB* db, const std::filesystem::path& to) : engine_(open_engine(to)) {
    thread_ = std::thread([this, db] {
      status_ = engine_->CreateNewBackup(db);
      end_ns_ = steady_ns();
    });
  }
  ~rocksdb_running() override {
    if (thread_.joinable()) thread_.join();
  }
  void stop() override { engine_->StopBackup(); }
  bool wait() override {
    thread_.join();
    if (!status_.ok() && !status_.IsIncomplete()) check(status_, "backup");
    return status_.IsIncomplete();
  }

 private:
  std::unique_ptr<rocksdb::BackupEngine> engine_;
  rocksdb::IOStatus status_;
  std::thread thread_;
};

class rocksdb_peer final : public peer_system {
 public:
  explicit rocksdb_peer(const std::filesystem::path& dir) : dir_(dir / "rocksdb") {
    std::filesystem::remove_all(dir_);
    rocksdb::Options o;
    o.create_if_missing = true;
    o.compression = rocksdb::kNoCompression;
    rocksdb::DB* db = nullptr;
    check(rocksdb::DB::Open(o, dir_.string(), &db), "open");
    db_.reset(db);
  }
  ~rocksdb_peer() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string name() const override { return "rocksdb"; }
  std::string granularity() const override { return "BackupEngine defaults"; }

  void fill(std::uint64_t bytes) override {
    std::mt19937_64 rng(3);
    std::string value(2000, '\0');
    std::uint64_t n = 0;
    for (std::uint64_t stored = 0; stored < bytes;) {
      rocksdb::WriteBatch batch;
      for (int i = 0; i < 64; ++i, ++n, stored += value.size() + 16) {
        for (std::size_t j = 0; j < value.size(); j += 8) {
          const auto r = rng();
          std::memcpy(value.data() + j, &r, std::min<std::size_t>(8, value.size() - j));
        }
        batch.Put("k" + std::to_string(n), value);
      }
      check(db_->Write(rocksdb::WriteOptions(), &batch), "write");
    }
    check(db_->Flush(rocksdb::FlushOptions()), "flush");
    // Let background compaction settle, so that it does not run during the measurements.
    for (std::uint64_t running = 1, pending = 1; running + pending > 0;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      db_->GetIntProperty("rocksdb.num-running-compactions", &running);
      db_->GetIntProperty("rocksdb.compaction-pending", &pending);
    }
  }

  std::uint64_t backup(const std::filesystem::path& to) override {
    auto e = open_engine(to);
    check(e->CreateNewBackup(db_.get()), "backup");
    std::vector<rocksdb::BackupInfo> info;
    e->GetBackupInfo(&info);
    return info.empty() ? 0 : info.back().size;
  }

  std::unique_ptr<running_backup> start_backup(const std::filesystem::path& to) override {
    return std::make_unique<rocksdb_running>(db_.get(), to);
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace

std::unique_ptr<peer_system> make_rocksdb_peer(const std::filesystem::path& dir) {
  return std::make_unique<rocksdb_peer>(dir);
}

}  // namespace jetstrand::bench
