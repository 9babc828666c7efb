// The peers a build did not find (see bench/CMakeLists.txt): `peers` says how to get them.
#include "kv_system.hpp"
#include "peer_system.hpp"

namespace jetstrand::bench {
#ifndef JETSTRAND_BENCH_ROCKSDB
std::unique_ptr<peer_system> make_rocksdb_peer(const std::filesystem::path&) { return nullptr; }
std::unique_ptr<kv_system> make_rocksdb_kv(const std::filesystem::path&, std::size_t) { return nullptr; }
#endif
#ifndef JETSTRAND_BENCH_SQLITE
std::unique_ptr<peer_system> make_sqlite_peer(const std::filesystem::path&, std::size_t) { return nullptr; }
std::unique_ptr<kv_system> make_sqlite_kv(const std::filesystem::path&, std::size_t) { return nullptr; }
#endif
}  // namespace jetstrand::bench
