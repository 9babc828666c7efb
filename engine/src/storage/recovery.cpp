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
    boost::system::error_code page_error;
    ec = read_generation(log_dir, gen, [&](std::uint64_t lsn, std::string_view payload) {
      if (bad) return;
      auto decoded = decode_commit(payload);
      if (!decoded) {
        bad = true;
        return;
      }
      auto t = std::make_shared<const transaction>(std::move(*decoded));
      ++result.records;
      result.last_lsn = lsn;
      for (const auto& op : t->ops()) {
        auto it = databases.find(op.database);
        if (it == databases.end()) continue;  // detached since: its records no longer matter
        database_file& db = *it->second;
        if (lsn <= db.durable_lsn()) continue;
        if (auto e = db.apply_now(t, op)) {
          page_error = e;
          bad = true;
          return;
        }
        ++result.applied;
      }
      for (const auto& [name, db] : databases) {
        if (lsn > db->applied_lsn()) db->set_applied_lsn(lsn);
      }
    });
    if (!ec && bad) ec = page_error ? page_error : boost::system::error_code(jet_errc::database_corrupted);
    if (ec) return result;
  }
  return result;
}

}  // namespace jetstrand::storage
