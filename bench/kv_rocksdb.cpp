// RocksDB as kv_system: its block cache set to the budget (and its memtables to a quarter
// of it, so that both count against the same memory), no compression (the same bytes on
// disk as the others), sync=true for durable writes, sync=false otherwise.
#include "kv_system.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>

#include <stdexcept>

namespace jetstrand::bench {
namespace {

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string("rocksdb ") + what + ": " + s.ToString());
}

class rocksdb_kv final : public kv_system {
 public:
  rocksdb_kv(const std::filesystem::path& dir, std::size_t cache_bytes) {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.compression = rocksdb::kNoCompression;
    o.write_buffer_size = std::max<std::size_t>(1 << 20, cache_bytes / 8);
    o.max_write_buffer_number = 2;
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = rocksdb::NewLRUCache(cache_bytes - 2 * o.write_buffer_size);
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    rocksdb::DB* db = nullptr;
    check(rocksdb::DB::Open(o, (dir / "kv").string(), &db), "open");
    db_.reset(db);
  }
  std::string name() const override { return "rocksdb"; }
  void put(const std::string& key, const std::string& value, bool durable) override {
    rocksdb::WriteOptions w;
    w.sync = durable;
    check(db_->Put(w, key, value), "put");
  }
  bool get(const std::string& key, std::string& value) override {
    return db_->Get(rocksdb::ReadOptions(), key, &value).ok();
  }
  std::size_t scan(const std::string& from, std::size_t n) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    std::size_t got = 0;
    std::string k, v;
    for (it->Seek(from); it->Valid() && got < n; it->Next(), ++got) {
      k.assign(it->key().data(), it->key().size());
      v.assign(it->value().data(), it->value().size());
    }
    return got;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace

std::unique_ptr<kv_system> make_rocksdb_kv(const std::filesystem::path& dir, std::size_t cache_bytes) {
  return std::make_unique<rocksdb_kv>(dir, cache_bytes);
}

}  // namespace jetstrand::bench
