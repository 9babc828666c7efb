#include "jetstrand/backup/restore.hpp"

#include "expand_set.hpp"

#include "durable_file.hpp"
#include "io/posix.hpp"
#include "jetstrand/engine.hpp"
#include "jetstrand/error.hpp"
#include "jetstrand/names.hpp"
#include "storage/checkpoint_file.hpp"
#include "storage/database_file.hpp"

#include <future>
#include <map>

namespace jetstrand::backup {

namespace fs = std::filesystem;
using boost::system::error_code;

namespace {

error_code from_std(const std::error_code& e) { return {e.value(), boost::system::system_category()}; }

error_code fail(restore_report& r, error_code ec, std::string what) {
  r.problem = std::move(what);
  return ec;
}

// Blocks for an async call's results: initiate(handler) must call handler(args...) once.
template <typename... Args, typename Initiate>
std::tuple<Args...> wait_for(Initiate initiate) {
  std::promise<std::tuple<Args...>> promise;
  auto future = promise.get_future();
  initiate([&promise](Args... args) { promise.set_value({std::move(args)...}); });
  return future.get();
}

// Lays the chain out as an instance directory in `staging`: databases from the full set,
// logs from every set (a later set's copy of a generation is the same bytes, or longer),
// and a checkpoint saying where replay starts.
error_code assemble(const std::vector<fs::path>& sets, const std::vector<backup_manifest>& manifests,
                    const fs::path& staging, std::vector<std::string>& databases) {
  std::error_code sec;
  fs::create_directories(staging / "databases", sec);
  if (!sec) fs::create_directories(staging / "logs", sec);
  if (sec) return from_std(sec);
  std::map<std::string, fs::path> logs;  // name -> the latest set's copy
  for (std::size_t i = 0; i < sets.size(); ++i) {
    for (const auto& f : manifests[i].files) {
      if (f.kind == backup_file_kind::log) {
        logs[f.name] = sets[i] / f.relative_path();
        continue;
      }
      if (auto ec = detail::copy_file_durably(sets[i] / f.relative_path(), staging / f.relative_path())) return ec;
      databases.push_back(f.name.substr(0, f.name.size() - 4));  // drop ".jdb"
    }
  }
  for (const auto& [name, from] : logs) {
    if (auto ec = detail::copy_file_durably(from, staging / "logs" / name)) return ec;
  }
  for (const char* sub : {"databases", "logs"}) {
    if (auto ec = io::posix::sync_directory(staging / sub)) return ec;
  }
  return storage::write_checkpoint(staging / "checkpoint",
                                   {manifests.front().generation_low, databases});
}

// Opens the restored directory with an engine of its own: recovery replays the logs; a
// complete termination checkpoints the result.
error_code replay(const restore_options& o, restore_report& r) {
  engine_options eo;
  eo.data_dir = o.data_dir;
  eo.storage = o.storage;
  eo.file_backend = o.file_backend;
  eo.max_instances = 1;
  try {
    engine eng(eo);
    auto [ec, inst] = wait_for<error_code, std::shared_ptr<instance>>(
        [&](auto h) { eng.async_create_instance(r.instance, std::move(h)); });
    if (ec) return fail(r, ec, "replaying the logs failed: " + ec.message());
    auto [sec, stats] = wait_for<error_code, storage_stats>([&](auto h) { inst->async_stats(std::move(h)); });
    r.records_replayed = stats.recovered_records;
    auto [tec] = wait_for<error_code>(
        [&](auto h) { inst->async_terminate(terminate_mode::complete, std::move(h)); });
    if (sec || tec) return fail(r, sec ? sec : tec, "closing the restored instance failed");
  } catch (const boost::system::system_error& e) {
    return fail(r, e.code(), e.what());
  }
  for (const auto& db : r.databases) {
    auto path = r.directory / "databases" / (db + ".jdb");
    if (auto ec = storage::database_file::verify(path)) {
      return fail(r, ec, path.string() + " does not verify after the replay: " + ec.message());
    }
  }
  return {};
}

}  // namespace

error_code restore_backup(const restore_options& o, restore_report& r) {
  // Compressed sets are read through scratch copies with their files decompressed.
  std::vector<std::unique_ptr<expanded_set>> expanded;
  std::vector<fs::path> sets;
  for (const auto& set : o.sets) {
    expanded.push_back(std::make_unique<expanded_set>());
    std::string problem;
    if (auto ec = expanded.back()->expand(set, problem)) return fail(r, ec, problem);
    sets.push_back(expanded.back()->path());
  }
  if (auto ec = verify_backup_chain(sets, r.verified)) return fail(r, ec, r.verified.problem);
  const auto& manifests = r.verified.manifests;
  r.instance = o.instance.empty() ? manifests.front().instance : o.instance;
  if (!is_valid_name(r.instance)) {
    return fail(r, jet_errc::invalid_parameter, "not a valid instance name: '" + r.instance + "'");
  }
  r.generation_low = manifests.front().generation_low;
  r.generation_high = manifests.back().generation_high;
  r.directory = o.data_dir / r.instance;
  const fs::path staging = o.data_dir / (".restore-" + r.instance);
  std::error_code sec;
  if (fs::exists(r.directory, sec)) {
    return fail(r, jet_errc::instance_name_in_use, r.directory.string() + " exists: restore never overwrites an instance");
  }
  const bool made_data_dir = !fs::exists(o.data_dir, sec);
  fs::remove_all(staging, sec);  // the remains of an interrupted restore
  auto undo = [&] {
    fs::remove_all(staging, sec);
    fs::remove_all(r.directory, sec);
    if (made_data_dir) fs::remove(o.data_dir, sec);
  };

  if (auto ec = assemble(sets, manifests, staging, r.databases)) {
    undo();
    return fail(r, ec, "copying the backup set failed: " + ec.message());
  }
  fs::rename(staging, r.directory, sec);
  if (!sec) {
    if (auto ec = io::posix::sync_directory(o.data_dir)) sec = {ec.value(), std::system_category()};
  }
  if (sec) {
    undo();
    return fail(r, from_std(sec), "moving the restored instance into place failed: " + sec.message());
  }
  if (auto ec = replay(o, r)) {
    undo();
    return ec;
  }
  return {};
}

}  // namespace jetstrand::backup
