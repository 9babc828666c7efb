#include "backup_session.hpp"

#include "backup_chain.hpp"
#include "backup_state.hpp"
#include "jetstrand/error.hpp"
#include "rate_limiter.hpp"
#include "storage/instance_storage.hpp"
#include "storage/write_ahead_log.hpp"

#include <algorithm>

namespace jetstrand::backup {

using boost::system::error_code;
namespace fs = std::filesystem;

namespace {
const std::string db_suffix = ".jdb";
}  // namespace

// A database's snapshot for this backup, pinned for as long as this object lives: the
// session holds it while the backup is open, and every handle and read chain of that
// database holds it too, so a read still in the kernel after end keeps the pages it reads
// from unchanged, and the last one to let go unpins (even when a new backup began since).
struct backup_session::pinned_database {
  pinned_database(instance& inst, storage::database_file& db)
      : inst(inst), db(&db), name(db.name()), snapshot(db.pin()) {}
  ~pinned_database() {
    // Unpin the same database only: after end it may have been detached (and another of
    // that name attached since).
    auto* storage = inst.storage();
    if (auto* now = storage ? storage->find(name) : nullptr; now == db) db->unpin();
  }
  pinned_database(const pinned_database&) = delete;
  pinned_database& operator=(const pinned_database&) = delete;

  instance& inst;
  storage::database_file* db;
  std::string name;
  storage::pinned_snapshot snapshot;
};

backup_session::backup_session(instance& inst)
    : inst_(inst),
      state_(std::make_unique<backup_state>(options_.max_open_files)),
      limiter_(std::make_unique<rate_limiter>()),
      log_(make_logger(inst.name())) {}

backup_session::~backup_session() { release_all(); }

void backup_session::set_options(const backup_options& o) {
  options_ = o;
  if (!state_->is_open()) state_ = std::make_unique<backup_state>(o.max_open_files);
}

void backup_session::begin(unsigned flags, begin_fn done) {
  auto* storage = inst_.storage();
  begin_context ctx;
  switch (inst_.state()) {
    case instance_state::created: ctx.phase = instance_phase::created; break;
    case instance_state::starting: ctx.phase = instance_phase::starting; break;
    case instance_state::running: ctx.phase = instance_phase::running; break;
    case instance_state::terminating: ctx.phase = instance_phase::terminating; break;
    case instance_state::terminated: ctx.phase = instance_phase::terminated; break;
  }
  if (storage) {
    ctx.checkpoint_generation = storage->checkpoint_generation();
    ctx.every_database_fully_backed_up = true;
    ctx.last_backup_generation_high = ~0u;
    for (const auto& name : storage->database_names()) {
      const auto& h = storage->find(name)->header();
      if (!h.last_full_backup_lsn) ctx.every_database_fully_backed_up = false;
      ctx.last_backup_generation_high = std::min(ctx.last_backup_generation_high, h.last_backup_gen_high);
      ctx.database_files.push_back(name + db_suffix);
    }
    if (ctx.last_backup_generation_high == ~0u) ctx.last_backup_generation_high = ctx.checkpoint_generation;
  }
  if (auto ec = state_->begin(flags, ctx)) return done(ec, {});
  // Every begin that opens a backup takes a new serial: a full begin's checkpoint, when it
  // lands, pins only if its own backup is still the open one.
  const auto serial = ++begin_serial_;
  began_ = std::chrono::steady_clock::now();
  limiter_->set_rate(0, began_);  // each backup starts unlimited (set_max_rate to limit it)
  bytes_delivered_ = 0;
  JETSTRAND_LOG(log_, log_level::info) << "backup began (" << (state_->incremental() ? "incremental" : "full")
                                       << ", logs from generation " << state_->generation_low() << ")";
  if (state_->incremental()) return done({}, *status());
  // A full backup copies a snapshot of each database: checkpoint first (the copy then holds
  // the current pages, and no checkpoint is running when its completion runs), then pin.
  // A stop or an end that comes meanwhile completes the begin at once (complete_pending_begin).
  pending_begin_ = std::move(done);
  storage->checkpoint([this, serial](error_code ec) {
    if (serial != begin_serial_ || !pending_begin_) return;  // completed by a stop or an end
    auto done = std::exchange(pending_begin_, nullptr);
    if (ec) {
      end_result ignored;
      state_->end(end_abort, ignored);
      book_.clear();
      return done(ec, {});
    }
    auto* storage = inst_.storage();
    for (const auto& name : storage->database_names()) {
      auto pin = std::make_shared<pinned_database>(inst_, *storage->find(name));
      book_.expect(name + db_suffix, std::uint64_t{pin->snapshot.page_count} * pin->snapshot.page_size);
      pinned_[name] = std::move(pin);
    }
    done({}, *status());
  });
}

void backup_session::complete_pending_begin(bool ending) {
  if (!pending_begin_) return;
  auto done = std::exchange(pending_begin_, nullptr);
  if (!ending) return done({}, *status());
  backup_status ended;  // the backup this begin opened is over before the begin completed
  ended.state = backup_phase::ended;
  done({}, ended);
}

error_code backup_session::attach_info(std::vector<std::string>& files) {
  if (auto ec = state_->attach_info()) return ec;
  files.clear();
  for (const auto& [name, pin] : pinned_) files.push_back(name + db_suffix);
  return {};
}

error_code backup_session::open(const std::string& name, std::uint32_t& handle, std::uint64_t& size) {
  auto* storage = inst_.storage();
  std::shared_ptr<pinned_database> pin;
  auto lookup = [&](std::string_view n) -> std::optional<file_lookup> {
    if (!storage) return std::nullopt;
    if (n.size() > db_suffix.size() && n.substr(n.size() - db_suffix.size()) == db_suffix) {
      std::string db(n.substr(0, n.size() - db_suffix.size()));
      if (!storage->find(db)) return std::nullopt;
      auto it = pinned_.find(db);
      if (it == pinned_.end()) {
        // Attached but not part of this backup: a database in the log phase is -521 anyway.
        if (state_->in_log_phase()) return file_lookup{file_kind::database, 0, 0};
        return std::nullopt;
      }
      pin = it->second;
      return file_lookup{file_kind::database,
                         std::uint64_t{pin->snapshot.page_count} * pin->snapshot.page_size, 0};
    }
    std::uint32_t gen;
    if (!storage::parse_log_file_name(n, gen)) return std::nullopt;
    std::error_code sec;
    auto bytes = fs::file_size(storage->log_directory() / std::string(n), sec);
    if (sec) return std::nullopt;
    return file_lookup{file_kind::log, bytes, gen};
  };
  if (auto ec = state_->open(name, lookup, handle)) return ec;
  auto io = std::make_shared<handle_io>();
  const auto* f = state_->file(handle);
  io->kind = f->kind;
  fs::path path = f->kind == file_kind::database
                      ? inst_.directory() / "databases" / name
                      : storage->log_directory() / name;
  error_code ec;
  io->file = inst_.files().open(path, io::open_mode::read_only, ec);
  if (ec) {
    state_->close(handle);
    return ec;
  }
  if (pin) {
    io->pin = pin;
    io->page_size = pin->snapshot.page_size;
    io->headers = pin->snapshot.header_page;
    io->headers.insert(io->headers.end(), pin->snapshot.header_page_1.begin(),
                       pin->snapshot.header_page_1.end());
  }
  io_[handle] = std::move(io);
  size = f->size;
  book_.opened(name, size);
  return {};
}

void backup_session::read(std::uint32_t handle, boost::asio::mutable_buffer buffer,
                          std::function<bool()> caller_cancelled,
                          std::function<void(error_code, std::size_t)> done) {
  auto io = io_.find(handle);
  const std::size_t page = (io != io_.end() && io->second->kind == file_kind::database)
                               ? io->second->page_size
                               : 1;
  if (auto ec = state_->check_read(handle, buffer.size(), page)) {
    // A read the stop refused ends that file's copy, as one the stop caught in flight does.
    const auto* f = state_->file(handle);
    if (f && ec == jet_errc::backup_abort_by_server) book_.failed(f->name, ec.value());
    return done(ec, 0);
  }
  // One read at a time per handle: a handle has one position.
  for (const auto& c : chains_) {
    if (c->handle == handle) return done(jet_errc::invalid_parameter, 0);
  }
  const auto* f = state_->file(handle);
  read_file_facts facts{io->second->kind == file_kind::database, io->second->page_size, f->size,
                        io->second->headers.size()};
  const read_plan plan(facts, f->position, buffer.size(), options_.chunk_size, options_.read_ahead);
  auto c = std::make_shared<chain>(handle, f->name, buffer, plan, std::move(caller_cancelled), io->second,
                                   inst_.get_executor(), chunk_buffers(plan.depth() * plan.chunk_capacity()));
  chains_.push_back(c);
  run_chain(std::move(c), std::move(done));
}

void backup_session::note_read(const chain& c, std::size_t n) {
  state_->note_read(c.handle, n);
  bytes_delivered_ += n;
  if (const auto* f = state_->file(c.handle)) book_.delivered(c.name, f->position);
}

bool backup_session::idle() const noexcept { return chains_.empty() && reads_in_kernel_ == 0; }

void backup_session::wake_idle_waiters() {
  if (!idle()) return;
  auto waiters = std::move(idle_waiters_);
  idle_waiters_.clear();
  for (auto& w : waiters) w();
}

error_code backup_session::close(std::uint32_t handle) {
  const auto* f = state_->file(handle);
  const std::string name = f ? f->name : std::string();
  const bool at_end = f && f->position >= f->size;
  if (auto ec = state_->close(handle)) return ec;
  book_.closed(name, at_end);
  io_.erase(handle);  // a chain still reading keeps its file
  // A read of it waiting under the rate limit ends now (-801: its handle is gone).
  for (auto& c : chains_) {
    if (c->handle == handle && c->waiting && c->plan.pacing()) c->pacing.cancel();
  }
  return {};
}

void backup_session::log_info(std::function<void(error_code, log_range)> done) {
  if (auto ec = state_->check_log_info()) return done(ec, {});
  auto report = [this, done](std::uint32_t high) {
    auto ec = state_->log_info([high] { return high; });
    log_range r;
    if (!ec) {
      r.generation_low = state_->generation_low();
      r.generation_high = state_->generation_high();
      auto* storage = inst_.storage();
      for (auto g = r.generation_low; g < r.generation_high; ++g) {
        auto path = storage::log_file_path(storage->log_directory(), g);
        std::error_code sec;
        auto bytes = fs::file_size(path, sec);
        if (sec) continue;
        r.files.push_back(path.filename().string());
        book_.expect(r.files.back(), bytes);
      }
    }
    done(ec, std::move(r));
  };
  if (state_->log_info_done()) return report(state_->generation_high());
  inst_.storage()->log().roll([report, done](error_code ec, std::uint32_t gen) {
    if (ec) return done(ec, {});
    report(gen);
  });
}

error_code backup_session::truncate_log_info(std::vector<std::string>& files) {
  if (auto ec = state_->truncate_log_info()) return ec;
  auto* storage = inst_.storage();
  // Older than both what recovery needs and what this backup copies.
  const auto keep_from = std::min(storage->checkpoint_generation(), state_->generation_low());
  files.clear();
  for (auto g : storage::list_generations(storage->log_directory())) {
    if (g < keep_from) files.push_back(storage::log_file_path(storage->log_directory(), g).filename().string());
  }
  return {};
}

error_code backup_session::truncate_log() {
  if (auto ec = state_->truncate_log()) return ec;
  std::vector<std::string> files;
  truncate_log_info(files);
  for (const auto& f : files) {
    std::error_code sec;
    fs::remove(inst_.storage()->log_directory() / f, sec);
    if (sec) return {sec.value(), boost::system::system_category()};
  }
  JETSTRAND_LOG(log_, log_level::info) << "backup truncated " << files.size() << " log file"
                                       << (files.size() == 1 ? "" : "s");
  return {};
}

error_code backup_session::end(unsigned mode, end_result& result) {
  const bool incremental = state_->incremental();
  const auto high = state_->generation_high();
  if (!state_->is_open()) return jet_errc::no_backup;
  // A full begin still waiting for its checkpoint completes first: its backup is ending.
  if (mode == end_normal || mode == end_abort) complete_pending_begin(true);
  if (auto ec = state_->end(mode, result)) return ec;
  // Reads in flight end now with -801 (their handles are gone); each keeps its database's
  // pin until its chunk has landed.
  resume_waiting_chains();
  book_.clear();
  JETSTRAND_LOG(log_, log_level::info)
      << "backup ended " << (result == end_result::completed ? "completed" : "aborted") << " ("
      << (incremental ? "incremental" : "full") << ", " << bytes_delivered_ << " bytes read in "
      << std::chrono::duration<double>(std::chrono::steady_clock::now() - began_).count() << " s)";
  if (result == end_result::completed) {
    auto* storage = inst_.storage();
    const auto now = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                    std::chrono::system_clock::now().time_since_epoch())
                                                    .count());
    if (incremental) {
      for (const auto& name : storage->database_names()) storage->find(name)->record_backup(0, high, now, true);
    } else {
      for (const auto& [name, pin] : pinned_) {
        if (auto* db = storage->find(name)) {
          db->record_backup(std::max<std::uint64_t>(1, pin->snapshot.lsn), high, now, false);
        }
      }
    }
  }
  release_all();
  return {};
}

void backup_session::release_all() {
  pinned_.clear();
  io_.clear();
  spare_chunks_.clear();
}

error_code backup_session::set_max_rate(std::uint64_t bytes_per_second) {
  if (!state_->is_open()) return jet_errc::no_backup;
  limiter_->set_rate(bytes_per_second, rate_limiter::clock::now());
  // Reads waiting under the old rate are paced again under the new one.
  for (auto& c : chains_) {
    if (c->waiting && c->plan.pacing()) c->pacing.cancel();
  }
  return {};
}

std::optional<completed_backup> backup_session::last_completed() const {
  auto* storage = inst_.storage();
  if (!storage) return std::nullopt;
  std::optional<completed_backup> last;
  for (const auto& name : storage->database_names()) {
    const auto& h = storage->find(name)->header();
    if (!h.last_backup_unix_ms) continue;
    const auto at = std::chrono::system_clock::time_point(std::chrono::milliseconds(h.last_backup_unix_ms));
    if (!last || at > last->completed_at) {
      last = completed_backup{h.last_backup_incremental, at, h.last_backup_gen_high};
    }
  }
  return last;
}

std::optional<backup_status> backup_session::status() const {
  if (!state_->is_open()) return std::nullopt;
  backup_status s;
  s.incremental = state_->incremental();
  s.stop_requested = state_->stopped();
  s.state = state_->stopped()        ? backup_phase::stopped
            : state_->in_log_phase() ? backup_phase::logs
                                     : backup_phase::databases;
  s.max_rate = limiter_->rate();
  book_.fill(s);
  return s;
}

bool backup_session::stopping() const noexcept {
  return state_->stopped() || stop_requests_.load(std::memory_order_acquire) != stop_requests_seen_;
}

void backup_session::forget_stop_requests() noexcept {
  stop_requests_seen_ = stop_requests_.load(std::memory_order_acquire);
}

void backup_session::stop() {
  forget_stop_requests();  // from here on the state says it
  const bool first = state_->is_open() && !state_->stopped();
  state_->stop();
  if (!state_->stopped()) return;
  complete_pending_begin(false);
  // Every read in flight completes now, with -801 and the bytes it delivered: none waits for
  // a chunk still in the kernel, which lands in the chain's own buffer and is dropped (the
  // file layer never interrupts I/O; see io/file.hpp). See read_chain.cpp.
  const auto in_flight = chains_.size();
  resume_waiting_chains();
  // Every file open at the stop failed with -801 (S7), whether a read of it was in flight
  // or its reader was elsewhere (a download waiting on a slow client).
  for (const auto& [handle, f] : state_->handles()) {
    book_.failed(f.name, static_cast<int>(jet_errc::backup_abort_by_server));
  }
  if (first) {  // after the chains: the log line is not on the stop's path
    JETSTRAND_LOG(log_, log_level::info) << "backup stopped (" << in_flight << " reads in flight, "
                                         << state_->handles().size() << " files open)";
  }
}

error_code backup_session::can_change_databases() {
  return state_->is_open() ? error_code(jet_errc::backup_in_progress) : error_code{};
}

error_code backup_session::can_terminate(terminate_mode mode) {
  if (mode == terminate_mode::complete && state_->is_open()) return jet_errc::backup_in_progress;
  return {};
}

void backup_session::on_terminate(terminate_mode, std::function<void()> done) {
  if (!state_->is_open()) return done();
  stop();
  auto finish_end = [this, done] {
    end_result ignored;
    end(end_abort, ignored);
    done();
  };
  if (idle()) return finish_end();
  idle_waiters_.push_back(finish_end);
}

}  // namespace jetstrand::backup
