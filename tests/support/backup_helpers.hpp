#pragma once
// Whole backups and restores for tests: run the driver into a directory and wait, restore a
// chain, and read back everything a (restored) instance holds.

#include "support/engine_fixture.hpp"

#include "jetstrand/backup/backup_driver.hpp"
#include "jetstrand/backup/directory_sink.hpp"
#include "jetstrand/backup/restore.hpp"

#include <map>

namespace jetstrand::test {

struct driver_outcome {
  boost::system::error_code ec;
  backup::backup_report report;
};

inline driver_outcome run_backup(engine_fixture& f, std::shared_ptr<instance> inst,
                                 const std::filesystem::path& out,
                                 backup::driver_options options = {}) {
  backup::directory_sink sink(out);
  auto [ec, report] =
      backup::async_run_backup(f.io.get_executor(), std::move(inst), sink, std::move(options), wait).get();
  return {ec, std::move(report)};
}

using contents = std::map<std::string, std::string>;

// Everything database `db` of instance `name` holds, read by an engine of its own over
// `data_dir` (which recovers the instance as it opens it).
inline contents read_instance(const std::filesystem::path& data_dir, const std::string& name,
                              const std::string& db, io::backend_kind backend = io::backend_kind::automatic) {
  engine_options o;
  o.data_dir = data_dir;
  o.file_backend = backend;
  engine eng(o);
  auto [ec, inst] = eng.async_create_instance(name, wait).get();
  if (ec) throw boost::system::system_error(ec, "open restored instance " + name);
  auto [sec, entries] = inst->async_scan(db, "", "", ~std::size_t{0}, wait).get();
  if (sec) throw boost::system::system_error(sec, "scan " + db);
  std::get<0>(inst->async_terminate(terminate_mode::complete, wait).get());
  return contents(entries.begin(), entries.end());
}

inline contents read_live(std::shared_ptr<instance> inst, const std::string& db) {
  auto [ec, entries] = inst->async_scan(db, "", "", ~std::size_t{0}, wait).get();
  if (ec) throw boost::system::system_error(ec, "scan " + db);
  return contents(entries.begin(), entries.end());
}

}  // namespace jetstrand::test
