#include "storage/instance_storage.hpp"

#include "jetstrand/error.hpp"
#include "jetstrand/names.hpp"
#include "storage/checkpoint_file.hpp"
#include "storage/log_record.hpp"
#include "storage/recovery.hpp"

#include <boost/asio/bind_executor.hpp>

namespace jetstrand::storage {

using boost::system::error_code;

instance_storage::instance_storage(const io::file_service& files, strand s,
                                   std::filesystem::path dir, storage_options options,
                                   logger& log)
    : files_(files),
      strand_(s),
      dir_(std::move(dir)),
      db_dir_(dir_ / "databases"),
      log_dir_(dir_ / "logs"),
      options_(options),
      log_(log),
      timer_(s) {}

instance_storage::~instance_storage() = default;

error_code instance_storage::open() {
  if (!valid_page_size(options_.page_size) || options_.log_file_size < (64u << 10) ||
      options_.log_file_size > (1u << 30)) {
    return jet_errc::invalid_parameter;
  }
  std::error_code sec;
  std::filesystem::create_directories(db_dir_, sec);
  std::filesystem::create_directories(log_dir_, sec);
  if (sec) return {sec.value(), boost::system::system_category()};

  error_code ec;
  auto state = read_checkpoint(dir_ / "checkpoint", ec);
  if (ec) return ec;
  const bool fresh = !state;
  if (fresh) {
    auto gens = list_generations(log_dir_);
    state = checkpoint_state{gens.empty() ? 1u : gens.front(), {}};
  }
  checkpoint_gen_ = state->generation;

  std::map<std::string, database_file*, std::less<>> view;
  for (const auto& name : state->databases) {
    auto db = database_file::open(files_, strand_, db_dir_ / (name + ".jdb"), ec);
    if (ec) {
      JETSTRAND_LOG(log_, log_level::error) << "database " << name << ": " << ec.message();
      return ec;
    }
    last_applied_lsn_ = std::max(last_applied_lsn_, db->durable_lsn());
    view[name] = db.get();
    databases_[name] = std::move(db);
  }

  // Replay from the oldest generation any database needs. Normally that is the checkpoint's;
  // it is older when a database had to fall back to its previous header copy (the newer
  // one damaged), and then those generations must still be there (else -1022).
  std::uint32_t from_gen = checkpoint_gen_;
  for (const auto& [name, db] : databases_) {
    if (db->durable_lsn()) from_gen = std::min(from_gen, generation_of(db->durable_lsn()));
  }
  auto replayed = replay_logs(log_dir_, from_gen, view, ec);
  if (ec) {
    JETSTRAND_LOG(log_, log_level::error) << "recovery failed: " << ec.message();
    return ec;
  }
  stats_.recovered_records = replayed.records;
  last_applied_lsn_ = std::max(last_applied_lsn_, replayed.last_lsn);
  const std::uint32_t next_gen =
      replayed.last_generation ? replayed.last_generation + 1 : checkpoint_gen_;
  wal_ = std::make_unique<write_ahead_log>(files_, strand_, log_dir_, options_.log_file_size,
                                           next_gen);
  if (fresh) {
    if (auto e = write_checkpoint_file()) return e;
  }
  if (replayed.records) {
    JETSTRAND_LOG(log_, log_level::info)
        << "recovered " << replayed.records << " log records (" << replayed.applied
        << " operations) from generation " << from_gen;
  }
  schedule_checkpoint();
  return {};
}

void instance_storage::close(done_handler done) {
  closing_ = true;
  timer_.cancel();
  wal_->drain([this, done = std::move(done)] {
    checkpoint([this, done](error_code ec) {
      databases_.clear();
      done(ec);
    });
  });
}

std::vector<std::string> instance_storage::database_names() const {
  std::vector<std::string> names;
  for (const auto& [name, db] : databases_) names.push_back(name);
  return names;
}

database_file* instance_storage::find(std::string_view name) const {
  auto it = databases_.find(name);
  return it == databases_.end() ? nullptr : it->second.get();
}

error_code instance_storage::create_database(const std::string& name) {
  if (!is_valid_name(name)) return jet_errc::invalid_parameter;
  if (find(name)) return jet_errc::database_duplicate;
  error_code ec;
  auto path = db_dir_ / (name + ".jdb");
  if (std::filesystem::exists(path)) return jet_errc::database_duplicate;
  // Records before now never touched this database: its snapshot is current as of now.
  auto db = database_file::create(files_, strand_, path, name, options_.page_size,
                                  last_applied_lsn_, ec);
  if (ec) return ec;
  databases_[name] = std::move(db);
  if ((ec = write_checkpoint_file())) {
    databases_.erase(name);
    return ec;
  }
  JETSTRAND_LOG(log_, log_level::info) << "created database " << name;
  return {};
}

error_code instance_storage::attach_database(const std::string& name) {
  if (!is_valid_name(name)) return jet_errc::invalid_parameter;
  if (find(name)) return jet_errc::database_duplicate;
  error_code ec;
  auto db = database_file::open(files_, strand_, db_dir_ / (name + ".jdb"), ec);
  if (ec) return ec;
  db->set_applied_lsn(std::max(db->durable_lsn(), last_applied_lsn_));
  databases_[name] = std::move(db);
  if ((ec = write_checkpoint_file())) databases_.erase(name);
  return ec;
}

void instance_storage::detach_database(const std::string& name, done_handler done) {
  if (!find(name)) return done(jet_errc::database_not_found);
  // Flush it completely first: once detached, recovery no longer replays into it.
  checkpoint([this, name, done = std::move(done)](error_code ec) {
    if (ec) return done(ec);
    if (!find(name)) return done(jet_errc::database_not_found);
    databases_.erase(name);
    done(write_checkpoint_file());
  });
}

error_code instance_storage::validate(const transaction& t) const {
  for (const auto& op : t.ops()) {
    auto* db = find(op.database);
    if (!db) return jet_errc::database_not_found;
    if (op.key.empty() || op.key.size() > max_key_size) return jet_errc::invalid_parameter;
    if (op.value.size() > max_value_size(db->page_size())) return jet_errc::invalid_parameter;
  }
  return {};
}

void instance_storage::commit(transaction t, done_handler done) {
  if (t.empty()) return done({});
  if (auto ec = validate(t)) return done(ec);
  auto payload = encode_commit(t);
  auto shared = std::make_shared<transaction>(std::move(t));
  wal_->append(std::move(payload), [this, shared, done = std::move(done)](error_code ec,
                                                                         std::uint64_t lsn) {
    if (ec) return done(ec);
    // Appends complete in LSN order, so databases see commits in log order.
    for (const auto& op : shared->ops()) {
      auto* db = find(op.database);
      if (!db) continue;  // detached while the record was being written
      if (op.kind == transaction::op_kind::put) {
        db->tree().put(op.key, op.value);
      } else {
        db->tree().erase(op.key);
      }
    }
    last_applied_lsn_ = lsn;
    ++stats_.commits;
    done({});
  });
}

error_code instance_storage::get(std::string_view db_name, std::string_view key,
                                 std::string& value) const {
  auto* db = find(db_name);
  if (!db) return jet_errc::database_not_found;
  if (key.empty() || key.size() > max_key_size) return jet_errc::invalid_parameter;
  auto v = db->tree().find(key);
  if (!v) return jet_errc::record_not_found;
  value.assign(*v);
  return {};
}

error_code instance_storage::scan(std::string_view db_name, std::string_view from,
                                  std::string_view to, std::size_t limit,
                                  std::vector<std::pair<std::string, std::string>>& out) const {
  auto* db = find(db_name);
  if (!db) return jet_errc::database_not_found;
  out = db->tree().scan(from, to, limit);
  return {};
}

void instance_storage::checkpoint(done_handler done) {
  if (checkpointing_) {
    next_checkpoint_.push_back(std::move(done));
    return;
  }
  checkpointing_ = true;
  checkpoint_waiters_.push_back(std::move(done));
  // Every database is current up to the same LSN; each serializes its tree right here, on
  // this strand turn, so the snapshots all stand exactly at `lsn`.
  const std::uint64_t lsn = last_applied_lsn_;
  auto remaining = std::make_shared<std::size_t>(databases_.size() + 1);
  auto first_error = std::make_shared<error_code>();
  auto one_done = [this, remaining, first_error, lsn](error_code ec) {
    if (ec && !*first_error) *first_error = ec;
    if (--*remaining == 0) finish_checkpoint(*first_error, lsn);
  };
  for (auto& [name, db] : databases_) {
    db->set_applied_lsn(lsn);
    db->checkpoint(one_done);
  }
  one_done({});
}

void instance_storage::finish_checkpoint(error_code ec, std::uint64_t lsn) {
  if (!ec) {
    // Recovery now needs only what follows `lsn`: its generation onwards.
    checkpoint_gen_ = lsn ? generation_of(lsn) : checkpoint_gen_;
    ec = write_checkpoint_file();
    ++stats_.checkpoints;
  }
  if (ec) JETSTRAND_LOG(log_, log_level::error) << "checkpoint failed: " << ec.message();
  checkpointing_ = false;
  auto waiters = std::move(checkpoint_waiters_);
  checkpoint_waiters_.clear();
  auto next = std::move(next_checkpoint_);
  next_checkpoint_.clear();
  for (auto& w : waiters) w(ec);
  if (!next.empty()) {
    auto shared = std::make_shared<std::vector<done_handler>>(std::move(next));
    checkpoint([shared](error_code e) {
      for (auto& w : *shared) w(e);
    });
  }
}

error_code instance_storage::write_checkpoint_file() {
  return storage::write_checkpoint(dir_ / "checkpoint", {checkpoint_gen_, database_names()});
}

void instance_storage::schedule_checkpoint() {
  if (closing_) return;
  timer_.expires_after(options_.checkpoint_interval);
  timer_.async_wait(boost::asio::bind_executor(strand_, [this, alive = std::weak_ptr<char>(alive_)](error_code ec) {
    if (ec || alive.expired() || closing_) return;
    bool needed = false;
    for (auto& [name, db] : databases_) {
      if (db->needs_checkpoint() || db->applied_lsn() != last_applied_lsn_) needed = true;
    }
    if (!needed) return schedule_checkpoint();
    checkpoint([this](error_code) { schedule_checkpoint(); });
  }));
}

storage_stats instance_storage::stats() const {
  storage_stats s = stats_;
  s.log_records = wal_->stats().records;
  s.log_flushes = wal_->stats().flushes;
  s.log_bytes = wal_->stats().bytes;
  s.log_generation = wal_->current_generation();
  s.checkpoint_generation = checkpoint_gen_;
  return s;
}

}  // namespace jetstrand::storage
