#include "storage/recovery.hpp"

#include "jetstrand/error.hpp"
#include "storage/log_record.hpp"
#include "storage/write_ahead_log.hpp"

namespace jetstrand::storage {

replay_result replay_logs(const std::filesystem::path& log_dir, std::uint32_t from_gen,
                          const std::map<std::string, database_file*, std::less<>>& databases,
                          boost::system::error_code& ec) {
  ec.clear();
  replay_result result;
  auto gens = list_generations(log_dir);
  if (!gens.empty()) result.last_generation = gens.back();
  std::uint32_t expected = from_gen;
  for (auto gen : gens) {
    if (gen < from_gen) continue;
    if (gen != expected) {
      ec = jet_errc::disk_io;  // a generation is missing: replay cannot be complete
      return result;
    }
    ++expected;
    bool bad = false;
    ec = read_generation(log_dir, gen, [&](std::uint64_t lsn, std::string_view payload) {
      if (bad) return;
      auto t = decode_commit(payload);
      if (!t) {
        bad = true;
        return;
      }
      ++result.records;
      result.last_lsn = lsn;
      for (const auto& op : t->ops()) {
        auto it = databases.find(op.database);
        if (it == databases.end()) continue;  // detached since: its records no longer matter
        database_file& db = *it->second;
        if (lsn <= db.durable_lsn()) continue;
        if (op.kind == transaction::op_kind::put) {
          db.tree().put(op.key, op.value);
        } else {
          db.tree().erase(op.key);
        }
        ++result.applied;
      }
      for (const auto& [name, db] : databases) {
        if (lsn > db->applied_lsn()) db->set_applied_lsn(lsn);
      }
    });
    if (!ec && bad) ec = jet_errc::database_corrupted;
    if (ec) return result;
  }
  return result;
}

}  // namespace jetstrand::storage
