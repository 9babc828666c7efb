#include "storage/instance_storage.hpp"

#include "detail/caller_errands.hpp"

#include "jetstrand/error.hpp"
#include "jetstrand/names.hpp"
#include "storage/checkpoint_file.hpp"
#include "storage/log_record.hpp"
#include "storage/recovery.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

namespace jetstrand::storage {

using boost::system::error_code;

namespace {
// Long values waiting for a checkpoint past this start one early.
constexpr std::size_t early_checkpoint_long_bytes = 64u << 20;
}  // namespace

instance_storage::instance_storage(const io::file_service& files, strand s,
                                   std::filesystem::path dir, storage_options options,
                                   logger& log, std::function<std::size_t()> cache_budget)
    : files_(files),
      strand_(s),
      dir_(std::move(dir)),
      db_dir_(dir_ / "databases"),
      log_dir_(dir_ / "logs"),
      options_(options),
      log_(log),
      cache_budget_(std::move(cache_budget)),
      cache_(cache_budget_()),
      timer_(s) {}

instance_storage::~instance_storage() = default;

std::unique_ptr<database_file> instance_storage::open_database(const std::string& name, bool create,
                                                               error_code& ec) {
  auto path = db_dir_ / (name + ".jdb");
  auto db = create ? database_file::create(files_, strand_, cache_, next_space_, path, name,
                                           options_.page_size, last_applied_lsn_, ec)
                   : database_file::open(files_, strand_, cache_, next_space_, path, ec);
  if (!db) return nullptr;
  ++next_space_;
  db->set_on_cache_full([this] {
    if (!start_spill()) start_checkpoint();
  });
  return db;
}

error_code instance_storage::open() {
  if (!valid_page_size(options_.page_size) || options_.log_file_size < (64u << 10) ||
      options_.log_file_size > (1u << 30)) {
    return jet_errc::invalid_parameter;
  }
  std::error_code sec;
  std::filesystem::create_directories(db_dir_, sec);
  if (!sec) std::filesystem::create_directories(log_dir_, sec);
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
    auto db = open_database(name, false, ec);
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
  remove_unfinished_generations(log_dir_);
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
  // It waits for every operation, so for their pages to land: none is left for later.
  for (auto& [name, db] : databases_) db->land_every_read();
  wal_->drain([this, done = std::move(done)]() mutable {
    auto finish = [this, done = std::move(done)] {
      checkpoint([this, done](error_code ec) {
        databases_.clear();
        done(ec);
      });
    };
    if (operations_ == 0) return finish();
    idle_waiters_.push_back(std::move(finish));
  });
}

void instance_storage::operation_done() {
  if (--operations_ > 0 || idle_waiters_.empty()) return;
  auto waiters = std::make_shared<std::vector<std::function<void()>>>(std::move(idle_waiters_));
  idle_waiters_.clear();
  // Later, not from inside the operation's completion: a waiter may close and destroy this
  // storage, and the caller still has work to finish here.
  boost::asio::post(strand_, [waiters] {
    for (auto& w : *waiters) w();
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
  if (std::filesystem::exists(db_dir_ / (name + ".jdb"))) return jet_errc::database_duplicate;
  // Records before now never touched this database: its snapshot is current as of now.
  auto db = open_database(name, true, ec);
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
  auto db = open_database(name, false, ec);
  if (ec) return ec;
  db->set_applied_lsn(std::max(db->durable_lsn(), last_applied_lsn_));
  databases_[name] = std::move(db);
  if ((ec = write_checkpoint_file())) databases_.erase(name);
  return ec;
}

void instance_storage::detach_database(const std::string& name, done_handler done) {
  auto* detaching = find(name);
  if (!detaching) return done(jet_errc::database_not_found);
  // Flush it completely first: once detached, recovery no longer replays into it. Reads in
  // flight finish first (they hold the database's pages), none of them left for later.
  detaching->land_every_read();
  ++operations_;
  auto after_idle = [this, name, done = std::move(done)]() mutable {
    checkpoint([this, name, done](error_code ec) {
      auto* db = find(name);
      if (ec) {
        if (db) db->land_every_read(false);  // it stays attached
        return done(ec);
      }
      if (!db) return done(jet_errc::database_not_found);
      databases_.erase(name);
      done(write_checkpoint_file());
    });
  };
  if (--operations_ == 0) return after_idle();
  idle_waiters_.push_back(std::move(after_idle));
}

error_code instance_storage::validate(const transaction& t) const {
  for (const auto& op : t.ops()) {
    if (!find(op.database)) return jet_errc::database_not_found;
    if (op.key.empty() || op.key.size() > max_key_size) return jet_errc::invalid_parameter;
    if (op.value.size() > max_value_size) return jet_errc::invalid_parameter;
  }
  return {};
}

void instance_storage::commit(transaction t, bool durable, done_handler done) {
  if (t.empty()) return done({});
  if (auto ec = validate(t)) return done(ec);
  auto payload = encode_commit(t);
  if (payload.size() > write_ahead_log::max_payload()) return done(jet_errc::invalid_parameter);
  auto shared = std::make_shared<const transaction>(std::move(t));
  ++operations_;
  wal_->append(std::move(payload), durable,
               [this, shared, done = std::move(done)](error_code ec, std::uint64_t lsn) mutable {
                 if (ec) {
                   done(ec);
                   return operation_done();
                 }
                 // Appends complete in LSN order, so databases see commits in log order.
                 apply_queue_.push_back({shared, lsn, std::move(done), {}});
                 if (!apply_waiting_) apply_queued();
               });
}

void instance_storage::apply_queued() {
  while (!apply_queue_.empty() && !syncing_for_checkpoint_) {
    auto& head = apply_queue_.front();
    if (!prepare(head)) return;  // resumed when the read lands or room is made
    apply(head);
    unpin(head);
    auto done = std::move(head.done);
    apply_queue_.pop_front();
    done({});
    operation_done();
    maybe_checkpoint_early();
  }
}

bool instance_storage::prepare(applying& a) {
  refresh_budget();
  unpin(a);  // each attempt checks every operation again, from the first
  std::size_t growth = 0;
  for (const auto& op : a.t->ops()) {
    auto* db = find(op.database);
    if (!db) continue;  // detached while the record was being written
    db->land_answered();
    const bool erase = op.kind == transaction::op_kind::erase;
    auto missing = db->tree().first_missing(op.key, erase);
    for (int cached = 0; missing && cached < database_file::cached_reads_per_turn && db->fetch_cached(missing);
         ++cached) {
      missing = db->tree().first_missing(op.key, erase);
    }
    if (missing) {
      apply_waiting_ = true;
      ++operations_;
      db->fetch(missing, [this](error_code ec) {
        apply_waiting_ = false;
        if (ec) {
          // The page cannot be read: the commit is in the log (recovery applies it after a
          // restart), but this database cannot take it now.
          auto& head = apply_queue_.front();
          unpin(head);
          auto done = std::move(head.done);
          apply_queue_.pop_front();
          done(ec);
          operation_done();
        }
        apply_queued();
        operation_done();
      });
      return false;
    }
    // Keep this operation's path while later ones read theirs.
    std::vector<std::uint32_t> path;
    db->tree().path_pages(op.key, erase, path);
    for (auto p : path) {
      if (db->pin_page(p)) a.pinned.emplace_back(db, p);
    }
    growth += (db->tree().depth() + 1) * page_cache::charge(db->page_size());
  }
  if (!cache_.make_room(growth) && !a.over_budget) {
    // The budget is all dirty (or pinned). A spill makes dirty leaves evictable once its
    // writes land, with no sync to wait for; when there is nothing to spill, a checkpoint
    // makes pages evictable. Commits wait for it (none applies meanwhile, so it leaves no
    // page dirty), and try again: a checkpoint already writing when they began pins what
    // it writes, and commits applied after its snapshot dirtied more. Only when nothing is
    // left for a checkpoint to free (this transaction alone needs more than the budget) or
    // it failed does the commit go ahead over budget: it is in the log already.
    unpin(a);
    if (start_spill()) {
      apply_waiting_ = true;
      ++operations_;
      after_spill_.push_back([this] {
        apply_waiting_ = false;
        apply_queued();
        operation_done();
      });
      return false;
    }
    if (cache_.dirty_bytes() == 0 && !checkpointing_) return true;
    apply_waiting_ = true;
    ++operations_;
    checkpoint([this](error_code ec) {
      apply_waiting_ = false;
      if (ec) apply_queue_.front().over_budget = true;
      apply_queued();
      operation_done();
    });
    return false;
  }
  return true;
}

void instance_storage::apply(applying& a) {
  for (const auto& op : a.t->ops()) {
    if (auto* db = find(op.database)) db->apply(a.t, op);
  }
  for (auto& [name, db] : databases_) db->set_applied_lsn(a.lsn);
  last_applied_lsn_ = a.lsn;
  ++stats_.commits;
}

void instance_storage::unpin(applying& a) {
  for (auto& [db, p] : a.pinned) db->unpin_page(p);
  a.pinned.clear();
}

void instance_storage::maybe_checkpoint_early() {
  if (closing_) return;
  // Dirty pages past a quarter of the budget are spilled (written, no sync) while there are
  // dirty leaves to spill, so commits go on at the speed of page writes: early and small
  // spills land before the rest of the budget fills. Past half, with nothing to spill, a
  // checkpoint makes them evictable.
  const bool spilling = cache_.dirty_bytes() * 4 > cache_.budget() && start_spill();
  const bool dirty = cache_.dirty_bytes() * 2 > cache_.budget() && !spilling;
  if (checkpointing_) return;
  std::size_t long_bytes = 0;
  for (auto& [name, db] : databases_) long_bytes += db->unwritten_long_bytes();
  if (dirty || long_bytes > early_checkpoint_long_bytes) start_checkpoint();
}

bool instance_storage::start_spill() {
  if (spills_ > 0) return true;
  if (spills_held_ || closing_) return false;
  for (auto& [name, db] : databases_) {
    // A failed spill fails its database (as a failed checkpoint): the next checkpoint reports it.
    if (const auto pages = db->spill([this](error_code) { spill_done(); })) {
      ++spills_;
      stats_.spilled_pages += pages;
    }
  }
  return spills_ > 0;
}

void instance_storage::spill_done() {
  if (--spills_ > 0) return;
  // Spilled pages are evictable now: reads and the commit that waited for room go on.
  for (auto& [name, db] : databases_) db->retry_waiting_reads();
  auto waiters = std::move(after_spill_);
  after_spill_.clear();
  for (auto& w : waiters) w();
  // Last: the checkpoint's completion may close this storage.
  if (auto finish = std::exchange(held_finish_, nullptr)) {
    spills_held_ = false;
    finish();
  }
}

// --- Reads ---

// A key's lookup, reading the pages it misses in this turn while the OS page cache holds
// them (up to cached_reads_per_turn). missing: the page to wait for. Not in a turn that runs
// on a thread waiting for its call: that thread reads them itself, after the turn and off
// the strand, leaving the strand to the instance's other callers (detail/caller_errands.hpp).
btree::outcome instance_storage::find_reading_cached(database_file& d, std::string_view key, btree::value& v,
                                                     std::uint32_t& missing) {
  return go_on_reading_cached(d, key, v, missing, d.tree().find(key, v, missing));
}

// The same, for a lookup that has got as far as `found` says.
btree::outcome instance_storage::go_on_reading_cached(database_file& d, std::string_view key, btree::value& v,
                                                      std::uint32_t& missing, btree::outcome found) {
  if (detail::caller_errands::here()) return found;
  for (int cached = 0; found == btree::outcome::missing && cached < database_file::cached_reads_per_turn &&
                       d.fetch_cached(missing);
       ++cached) {
    // Read in this turn: the descent goes on from it, not again from the root.
    found = d.tree().find_from(missing, key, v, missing);
  }
  return found;
}

struct instance_storage::get_op : std::enable_shared_from_this<get_op> {
  instance_storage* self;
  std::string db, key;
  value_handler done;
  bool answer_off_strand = false;  // done may be called on a waiting caller's thread
  bool answered = false;           // it was, from the page read there: nothing left but to count it done
  std::optional<std::uint32_t> wait_for;  // get_now's missing page: fetched before the first lookup
  // The page the lookup waits for, and the tree it was missing from: if the tree has not
  // changed when the page lands, the lookup goes on from that page (tree_changes()).
  struct resume_point {
    const database_file* file;
    std::uint64_t changes;
    std::uint32_t page;
  };
  std::optional<resume_point> resume;

  void run() {
    auto* d = self->find(db);
    if (!d) return finish(jet_errc::database_not_found, {});
    if (wait_for) return wait(*d, *std::exchange(wait_for, std::nullopt));
    btree::value v;
    std::uint32_t missing = 0;
    const auto from = resume_page(*d);
    const auto found = from ? go_on_reading_cached(*d, key, v, missing, d->tree().find_from(*from, key, v, missing))
                            : find_reading_cached(*d, key, v, missing);
    switch (found) {
      case btree::outcome::absent: return finish(jet_errc::record_not_found, {});
      case btree::outcome::missing: return wait(*d, missing);
      case btree::outcome::found:
        if (!v.is_long) return finish({}, std::move(v.bytes));
        return d->read_long(v.ref, [op = shared_from_this()](error_code ec, std::string value) {
          if (ec == boost::asio::error::operation_aborted) return op->run();  // freed meanwhile: again
          op->finish(ec, std::move(value));
        });
    }
  }
  // Reads the page from the disk, then looks the key up again: from that page, or from the
  // root if the tree changed meanwhile.
  void wait(database_file& d, std::uint32_t page) {
    resume = resume_point{&d, d.tree_changes(), page};
    database_file::page_answer answer;
    if (answer_off_strand) {
      // Reads `resume`, set now and left alone until the page lands.
      answer = [op = shared_from_this()](const unsigned char* p) { return op->answer_from(*op->resume, p); };
    }
    d.fetch(
        page,
        [op = shared_from_this()](error_code ec) {
          if (op->answered) return op->self->operation_done();
          if (ec) return op->finish(ec, {});
          op->run();
        },
        std::move(answer));
  }
  // On the waiting caller's thread, off the strand: answers from the leaf it read, if the
  // tree has not changed since the lookup stopped at it. Then it is still this key's leaf,
  // and these are its bytes: only a change releases a page (tree_changes()), and a page is
  // rewritten only once released. Read after the page, the count covers the whole read. The
  // answer is the tree's as of the lookup's turn, within the call. A long value is read on
  // the strand as usual.
  bool answer_from(const resume_point& r, const unsigned char* page) {
    if (node_type(page) != page_type::leaf || r.file->tree_changes() != r.changes) return false;
    const auto i = lower_bound(page, key);
    if (i == entry_count(page) || entry_key(page, i) != key) return answer(jet_errc::record_not_found, {});
    const auto e = leaf_at(page, i);
    if (e.is_long) return false;
    return answer({}, std::string(e.value));
  }
  bool answer(error_code ec, std::string value) {
    answered = true;
    std::exchange(done, nullptr)(ec, std::move(value));
    return true;
  }
  // Compared while `d` is alive (run() is called by its read's landing, or finds it by
  // name), so the same address is the same database.
  std::optional<std::uint32_t> resume_page(const database_file& d) {
    const auto r = std::exchange(resume, std::nullopt);
    if (!r || r->file != &d || r->changes != d.tree_changes()) return std::nullopt;
    return r->page;
  }
  void finish(error_code ec, std::string value) {
    auto d = std::move(done);
    d(ec, std::move(value));
    self->operation_done();
  }
};

std::optional<error_code> instance_storage::get_now(std::string_view db, std::string_view key, std::string& value,
                                                    std::optional<std::uint32_t>& wait_for) {
  auto* d = find(db);
  if (!d) return jet_errc::database_not_found;
  if (key.empty() || key.size() > max_key_size) return jet_errc::invalid_parameter;
  refresh_budget();
  d->land_answered();
  btree::value v;
  std::uint32_t missing = 0;
  switch (find_reading_cached(*d, key, v, missing)) {
    case btree::outcome::absent: return jet_errc::record_not_found;
    case btree::outcome::found:
      if (v.is_long) return std::nullopt;
      value = std::move(v.bytes);
      return error_code{};
    case btree::outcome::missing:
      wait_for = missing;
      return std::nullopt;
  }
  return std::nullopt;
}

void instance_storage::get(std::string_view db, std::string_view key, value_handler done,
                           std::optional<std::uint32_t> wait_for, bool answer_off_strand) {
  auto* d = find(db);
  if (!d) return done(jet_errc::database_not_found, {});
  if (key.empty() || key.size() > max_key_size) return done(jet_errc::invalid_parameter, {});
  refresh_budget();
  if (!wait_for) d->land_answered();  // else get_now did, in this turn
  ++operations_;
  auto op = std::make_shared<get_op>();
  op->self = this;
  op->db = std::string(db);
  op->key = std::string(key);
  op->done = std::move(done);
  op->answer_off_strand = answer_off_strand;
  op->wait_for = wait_for;
  op->run();
}

struct instance_storage::scan_op : std::enable_shared_from_this<scan_op> {
  instance_storage* self;
  std::string db, from, to;
  std::size_t limit;
  bool keys_only;
  btree::scan_result found;
  std::size_t resolved = 0;          // of found.long_values: read (or vanished)
  std::vector<std::size_t> vanished;  // entries whose long value was erased while read
  entries_handler done;

  void run() {
    for (int cached = 0;;) {
      auto* d = self->find(db);
      if (!d) return finish(jet_errc::database_not_found);
      std::optional<std::string> next;
      std::uint32_t missing = 0;
      if (d->tree().scan_leaf(from, to, limit, keys_only, found, next, missing) ==
          btree::outcome::missing) {
        if (cached < database_file::cached_reads_per_turn && d->fetch_cached(missing)) {
          ++cached;
          continue;
        }
        return d->fetch(missing, [op = shared_from_this()](error_code ec) {
          if (ec) return op->finish(ec);
          op->run();
        });
      }
      if (found.entries.size() >= limit || !next) return resolve_long_values();
      from = std::move(*next);
    }
  }
  void resolve_long_values() {
    if (resolved == found.long_values.size()) return finish({});
    // A long value may change while it is read: get() looks the key up again if so.
    const auto entry = found.long_values[resolved].first;
    self->get(db, found.entries[entry].first, [op = shared_from_this(), entry](error_code ec, std::string value) {
      if (ec == jet_errc::record_not_found) {
        op->vanished.push_back(entry);
      } else if (ec) {
        return op->finish(ec);
      } else {
        op->found.entries.set_value(entry, value);
      }
      ++op->resolved;
      op->resolve_long_values();
    });
  }
  void finish(error_code ec) {
    entries out;
    if (!ec) {
      out = std::move(found.entries);
      // Ascending indexes: erased from the back, the ones before stay where they are.
      for (auto it = vanished.rbegin(); it != vanished.rend(); ++it) out.erase(*it);
    }
    auto d = std::move(done);
    d(ec, std::move(out));
    self->operation_done();
  }
};

void instance_storage::scan(std::string_view db, std::string from, std::string to,
                            std::size_t limit, bool keys_only, entries_handler done) {
  auto* d = find(db);
  if (!d) return done(jet_errc::database_not_found, {});
  if (limit == 0) return done({}, {});
  refresh_budget();
  d->land_answered();
  ++operations_;
  auto op = std::make_shared<scan_op>();
  op->self = this;
  op->db = std::string(db);
  op->from = std::move(from);
  op->to = std::move(to);
  op->limit = limit;
  op->keys_only = keys_only;
  op->done = std::move(done);
  // Room for up to 256 entries of 128 bytes: a scan of short entries within that makes two
  // allocations (the batch grows past it as a vector does).
  const auto room = std::min<std::size_t>(limit, 256);
  op->found.entries.reserve(room, room * 128);
  op->run();
}

// --- Checkpoints ---

void instance_storage::start_checkpoint() {
  if (!checkpointing_) checkpoint([](error_code) {});
}

void instance_storage::checkpoint(done_handler done) {
  if (checkpointing_) {
    next_checkpoint_.push_back(std::move(done));
    return;
  }
  checkpointing_ = true;
  checkpoint_waiters_.push_back(std::move(done));
  // The snapshot may hold only what the log holds durably (lazy commits are written but
  // maybe not synced): commits wait while the log syncs, then every database serializes
  // its tree right here, on this strand turn, so the snapshots all stand exactly at `lsn`.
  syncing_for_checkpoint_ = true;
  wal_->sync([this](error_code sync_ec) {
    syncing_for_checkpoint_ = false;
    const std::uint64_t lsn = last_applied_lsn_;
    auto remaining = std::make_shared<std::size_t>(databases_.size() + 1);
    auto first_error = std::make_shared<error_code>(sync_ec);
    auto one_done = [this, remaining, first_error, lsn](error_code ec) {
      if (ec && !*first_error) *first_error = ec;
      if (--*remaining == 0) finish_checkpoint(*first_error, lsn);
    };
    if (!sync_ec) {
      for (auto& [name, db] : databases_) {
        db->set_applied_lsn(lsn);
        db->checkpoint(one_done);
      }
    } else {
      *remaining = 1;
    }
    // Commits held back for the sync go on (the snapshots are taken), before the last
    // one_done: it may complete the checkpoint, and a waiter may then close this storage.
    if (!apply_waiting_) apply_queued();
    one_done({});
  });
}

void instance_storage::finish_checkpoint(error_code ec, std::uint64_t lsn) {
  if (spills_ > 0) {
    spills_held_ = true;
    held_finish_ = [this, ec, lsn] { finish_checkpoint(ec, lsn); };
    return;
  }
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
  // Written pages are evictable now: reads that waited for room go on.
  for (auto& [name, db] : databases_) db->retry_waiting_reads();
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
  s.log_writes = wal_->stats().writes;
  s.log_bytes = wal_->stats().bytes;
  s.log_generation = wal_->current_generation();
  s.checkpoint_generation = checkpoint_gen_;
  s.log_making_next_generation = wal_->making_next_generation();
  s.cache_budget = cache_.budget();
  s.cache_bytes = cache_.charged();
  s.cache_peak_bytes = cache_.peak_charged();
  s.cache_hits = cache_.stats().hits;
  s.cache_misses = cache_.stats().misses;
  s.cache_evictions = cache_.stats().evictions;
  s.cache_reads_os_cached = cache_.stats().reads_os_cached;
  s.cache_reads_waited = cache_.stats().reads_waited;
  return s;
}

}  // namespace jetstrand::storage
