#include "storage/write_ahead_log.hpp"

#include "jetstrand/crc32c.hpp"
#include "jetstrand/error.hpp"
#include "io/posix.hpp"
#include "storage/byte_io.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace jetstrand::storage {
namespace {

using boost::system::error_code;
constexpr char magic[8] = {'J', 'E', 'T', 'S', 'L', 'O', 'G', '1'};

std::size_t aligned(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

std::vector<unsigned char> encode_log_header(std::uint32_t gen, std::uint32_t size) {
  std::vector<unsigned char> h(log_header_size, 0);
  std::memcpy(h.data() + 4, magic, sizeof magic);
  store_le<std::uint32_t>(h.data() + 12, gen);
  store_le<std::uint32_t>(h.data() + 16, size);
  store_le<std::uint32_t>(h.data(), crc32c(h.data() + 4, log_header_size - 4));
  return h;
}

std::filesystem::path making_path(const std::filesystem::path& dir, std::uint32_t gen) {
  auto p = log_file_path(dir, gen);
  p += ".new";  // not a generation's name: recovery and listings skip it, opening removes it
  return p;
}

// On the file service's threads. Nothing is written to a generation before it is whole, and
// it gets its name only then: it is made under a temporary name (header written, synced),
// so a crash while it is made never leaves a generation without its header.
//
// `zero_fill`: the generation is written with zeros, not left sparse. Then a record's
// fdatasync flushes data only: writing into a sparse file allocates blocks, and on ext4 (as
// on most journaling file systems) that makes each fdatasync commit the journal, which waits
// for whatever else is being written back (a checkpoint's pages, a backup's copy). Larger
// generations (one record of its own, up to 64 MiB) stay sparse: they are written once.
error_code make_generation_file(const std::filesystem::path& dir, std::uint32_t gen,
                                std::size_t size, bool create_dir, bool zero_fill) {
  if (create_dir) {
    std::error_code dir_ec;
    std::filesystem::create_directories(dir, dir_ec);
    if (dir_ec) return {dir_ec.value(), boost::system::system_category()};
  }
  const auto making = making_path(dir, gen);
  io::posix::unique_fd fd;
  if (auto ec = io::posix::open(making, O_RDWR | O_CREAT | O_TRUNC, fd)) return ec;
  auto header = encode_log_header(gen, static_cast<std::uint32_t>(size));
  error_code ec = zero_fill ? io::posix::write_zeros(fd.get(), header.size(), size)
                            : io::posix::preallocate(fd.get(), size);
  if (!ec) ec = io::posix::write_all_at(fd.get(), header.data(), header.size(), 0);
  if (!ec) ec = io::posix::sync(fd.get());
  if (!ec) ec = fd.close();
  if (ec) ::unlink(making.c_str());
  return ec;
}

// On the file service's threads: a made generation gets its name, durably. A failure
// removes it and leaves the log usable (the next append or roll tries again).
error_code publish_generation(const std::filesystem::path& dir, std::uint32_t gen) {
  const auto making = making_path(dir, gen);
  const auto path = log_file_path(dir, gen);
  if (auto ec = io::posix::rename_no_replace(making, path)) {
    ::unlink(making.c_str());
    return ec;
  }
  auto ec = io::posix::sync_directory(dir);
  if (ec) ::unlink(path.c_str());
  return ec;
}

}  // namespace

std::filesystem::path log_file_path(const std::filesystem::path& dir, std::uint32_t gen) {
  char name[32];
  std::snprintf(name, sizeof name, "gen-%08X.log", gen);
  return dir / name;
}

bool parse_log_file_name(std::string_view name, std::uint32_t& gen) {
  if (name.size() != 16 || !name.starts_with("gen-") || !name.ends_with(".log")) return false;
  std::uint32_t g = 0;
  for (char c : name.substr(4, 8)) {
    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (v < 0) return false;
    g = g << 4 | static_cast<std::uint32_t>(v);
  }
  gen = g;
  return true;
}

std::vector<std::uint32_t> list_generations(const std::filesystem::path& dir) {
  std::vector<std::uint32_t> gens;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::uint32_t gen = 0;
    if (parse_log_file_name(e.path().filename().string(), gen)) gens.push_back(gen);
  }
  std::sort(gens.begin(), gens.end());
  return gens;
}

void remove_unfinished_generations(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::uint32_t gen = 0;
    const auto name = e.path().filename().string();
    if (name.ends_with(".new") && parse_log_file_name(std::string_view(name).substr(0, name.size() - 4), gen)) {
      std::filesystem::remove(e.path(), ec);
    }
  }
}

error_code read_generation(const std::filesystem::path& dir, std::uint32_t gen,
                           const std::function<void(std::uint64_t, std::string_view)>& record) {
  std::string data;
  if (auto ec = io::posix::read_file(log_file_path(dir, gen), data)) return ec;
  auto* p = reinterpret_cast<const unsigned char*>(data.data());
  if (data.size() < log_header_size || load_le<std::uint32_t>(p) != crc32c(p + 4, log_header_size - 4) ||
      std::memcmp(p + 4, magic, sizeof magic) != 0 || load_le<std::uint32_t>(p + 12) != gen) {
    return jet_errc::disk_io;
  }
  std::size_t off = log_header_size;
  while (off + log_record_header_size <= data.size()) {
    auto len = load_le<std::uint32_t>(p + off + 4);
    auto lsn = load_le<std::uint64_t>(p + off + 8);
    if (len == 0 || off + log_record_header_size + len > data.size()) break;
    if (load_le<std::uint32_t>(p + off) != crc32c(p + off + 4, log_record_header_size - 4 + len)) break;
    if (lsn != (static_cast<std::uint64_t>(gen) << 32 | off)) break;
    record(lsn, std::string_view(data.data() + off + log_record_header_size, len));
    off += aligned(log_record_header_size + len);
  }
  return {};
}

write_ahead_log::write_ahead_log(const io::file_service& files, strand s,
                                 std::filesystem::path dir, std::size_t file_size,
                                 std::uint32_t first_gen)
    : files_(files), strand_(s), dir_(std::move(dir)), file_size_(file_size),
      gen_(first_gen), lazy_timer_(s) {}

void write_ahead_log::append(std::string payload, bool durable, append_handler done) {
  if (failed_) return done(failed_, 0);
  if (payload.empty() || payload.size() > max_payload()) {
    return done(jet_errc::invalid_parameter, 0);
  }
  const std::size_t size = aligned(log_record_header_size + payload.size());
  if (!durable && incomplete_ == 0 && rolls_.empty() && !switching_ && file_.is_open() &&
      size <= current_size_ - offset_ - completed_queued_bytes_) {
    // Its place is fixed: right after what is queued, in this generation. flush() writes the
    // queue in order from offset_, and nothing rolls the generation before that.
    const std::uint64_t lsn = static_cast<std::uint64_t>(gen_) << 32 | (offset_ + completed_queued_bytes_);
    completed_queued_bytes_ += size;
    queue_.push_back({std::move(payload), false, nullptr, lsn});
    // Written once lazy_batch_bytes are queued, with anything that has to be written anyway,
    // or by the lazy-flush timer: not one write (and a thread woken) per lazy commit.
    if (!flushing_ && completed_queued_bytes_ >= lazy_batch_bytes) flush();
    arm_lazy_timer();
    return done({}, lsn);
  }
  ++incomplete_;
  queue_.push_back({std::move(payload), durable, std::move(done)});
  if (!flushing_) flush();
}

void write_ahead_log::sync(std::function<void(error_code)> done) {
  if (failed_) return done(failed_);
  if (!unsynced_ && !flushing_ && completed_queued_bytes_ == 0) return done({});
  syncs_.push_back(std::move(done));
  if (flushing_) return;
  if (completed_queued_bytes_ > 0) return flush();  // the batch's fdatasync serves the sync
  sync_now();
}

void write_ahead_log::sync_now() {
  flushing_ = true;
  const auto lsn = written_lsn_;
  file_.async_sync_data(boost::asio::bind_executor(strand_, [this, lsn](error_code ec) {
    if (ec && !failed_) failed_ = ec;
    if (!ec) {
      unsynced_ = false;
      durable_lsn_ = std::max(durable_lsn_, lsn);
      ++stats_.flushes;
    }
    after_flush(ec, {}, {}, false);
  }));
}

void write_ahead_log::arm_lazy_timer() {
  if (lazy_timer_armed_) return;
  lazy_timer_armed_ = true;
  lazy_timer_.expires_after(std::chrono::seconds(1));
  lazy_timer_.async_wait(boost::asio::bind_executor(
      strand_, [this, alive = std::weak_ptr<char>(alive_)](error_code ec) {
        if (ec || alive.expired()) return;
        lazy_timer_armed_ = false;
        if (unsynced_ || completed_queued_bytes_ > 0) sync([](error_code) {});
      }));
}

void write_ahead_log::roll(roll_handler done) {
  rolls_.push_back(std::move(done));
  if (flushing_) return;
  if (completed_queued_bytes_ > 0) return flush();  // after_flush() rolls once they are written
  run_rolls();
}

void write_ahead_log::drain(std::function<void()> done) {
  drains_.push_back(std::move(done));
  if (!flushing_) after_flush({}, {}, {}, false);
}

bool write_ahead_log::run_rolls() {
  if (rolls_.empty()) return false;
  auto rolls = std::make_shared<std::vector<roll_handler>>(std::move(rolls_));
  rolls_.clear();
  flushing_ = true;
  auto finish = [this, rolls](error_code ec) {
    for (auto& r : *rolls) r(ec, gen_);
    after_flush({}, {}, {}, false);  // what waited for the roll goes on
  };
  if (failed_) {
    boost::asio::post(strand_, [finish, ec = failed_, alive = std::weak_ptr<char>(alive_)] {
      if (!alive.expired()) finish(ec);
    });
    return true;
  }
  // A generation that was never written to needs no successor: it is empty anyway.
  switch_generation(file_.is_open() ? gen_ + 1 : gen_, file_size_, std::move(finish));
  return true;
}

void write_ahead_log::switch_generation(std::uint32_t gen, std::size_t size, switched_handler done) {
  switching_ = true;
  if (unsynced_ && file_.is_open()) {
    // Lazy records in the generation being left must be durable before any record after
    // them can be (a later record's fdatasync covers its own file only).
    const auto lsn = written_lsn_;
    file_.async_sync_data(boost::asio::bind_executor(
        strand_, [this, gen, size, lsn, done = std::move(done),
                  alive = std::weak_ptr<char>(alive_)](error_code ec) mutable {
          if (alive.expired()) return;
          if (ec) {
            if (!failed_) failed_ = ec;
            switching_ = false;
            return done(ec);
          }
          unsynced_ = false;
          durable_lsn_ = std::max(durable_lsn_, lsn);
          enter_generation(gen, size, std::move(done));
        }));
    return;
  }
  enter_generation(gen, size, std::move(done));
}

void write_ahead_log::enter_generation(std::uint32_t gen, std::size_t size, switched_handler done) {
  file_.close();
  gen_ = gen;
  if (spare_.state == spare_state::making) {
    // The switch came before the generation made ahead was ready (or while it is removed).
    spare_waiter_ = [this, gen, size, done = std::move(done)]() mutable {
      enter_generation(gen, size, std::move(done));
    };
    return;
  }
  const bool ready = spare_.state == spare_state::ready;
  const bool use_spare = ready && spare_.gen == gen && spare_.size >= size;
  const bool stale = ready && spare_.gen != gen;  // one of the same number is remade in place
  const auto stale_gen = spare_.gen;
  const std::size_t made_size = use_spare ? spare_.size : size;
  spare_ = {};
  files_.run_blocking(
      [dir = dir_, gen, size, use_spare, stale, stale_gen, standard = file_size_]() -> error_code {
        if (stale) ::unlink(making_path(dir, stale_gen).c_str());
        if (!use_spare) {
          if (auto ec = make_generation_file(dir, gen, size, true, size == standard)) return ec;
        }
        return publish_generation(dir, gen);
      },
      boost::asio::bind_executor(strand_, [this, gen, made_size, done = std::move(done),
                                           alive = std::weak_ptr<char>(alive_)](error_code ec) mutable {
        if (alive.expired()) return;
        switching_ = false;
        if (ec) return done(ec);
        const auto path = log_file_path(dir_, gen);
        io::file opened = files_.open(path, io::open_mode::read_write, ec);
        if (ec) {
          ::unlink(path.c_str());  // nothing was written to it: the next attempt remakes it
          return done(ec);
        }
        file_ = std::move(opened);
        current_size_ = made_size;
        offset_ = log_header_size;
        make_spare();
        done({});
      }));
}

void write_ahead_log::make_spare() {
  if (spare_.state != spare_state::none || failed_) return;
  spare_ = {spare_state::making, gen_ + 1, file_size_};
  files_.run_blocking(
      [dir = dir_, gen = spare_.gen, size = file_size_] { return make_generation_file(dir, gen, size, false, true); },
      boost::asio::bind_executor(strand_, [this, alive = std::weak_ptr<char>(alive_)](error_code ec) {
        if (alive.expired()) return;  // opening the log next time removes the file
        spare_.state = ec ? spare_state::none : spare_state::ready;
        spare_settled();
      }));
}

void write_ahead_log::remove_spare() {
  spare_.state = spare_state::making;  // busy until it is gone
  files_.run_blocking(
      [path = making_path(dir_, spare_.gen)] {
        ::unlink(path.c_str());
        return error_code{};
      },
      boost::asio::bind_executor(strand_, [this, alive = std::weak_ptr<char>(alive_)](error_code) {
        if (alive.expired()) return;
        spare_ = {};
        spare_settled();
      }));
}

void write_ahead_log::spare_settled() {
  if (spare_waiter_) {
    auto waiter = std::move(spare_waiter_);
    spare_waiter_ = nullptr;
    return waiter();
  }
  if (!flushing_ && !drains_.empty()) after_flush({}, {}, {}, false);  // a drain waited for it
}

void write_ahead_log::fail_queue(error_code ec) {
  auto batch = std::move(queue_);
  queue_.clear();
  completed_queued_bytes_ = 0;  // only after a failure: completed records were in this generation
  after_flush(ec, std::move(batch), {}, false);
}

void write_ahead_log::flush() {
  flushing_ = true;
  // Opening a generation writes no record, so its failure fails this batch only; a failed
  // record write or sync (failed_) is final, as a record may be half on disk.
  if (failed_) return fail_queue(failed_);
  const std::size_t first_size = aligned(log_record_header_size + queue_.front().payload.size());
  if (file_.is_open() && first_size <= current_size_ - offset_) return write_batch();
  // A record too large for a standard generation gets one of its own, sized to fit it. A
  // generation that holds records is left for a new one; one never opened is made.
  const std::size_t wanted = std::max(file_size_, log_header_size + first_size);
  switch_generation(file_.is_open() ? gen_ + 1 : gen_, wanted, [this](error_code ec) {
    if (ec) return fail_queue(ec);
    write_batch();
  });
}

void write_ahead_log::write_batch() {
  // Take as many queued records as fit in this generation (at least the first one).
  const std::size_t room = current_size_ - offset_;
  std::vector<pending> batch;
  std::vector<std::uint64_t> lsns;
  auto buffer = std::make_shared<std::string>();
  std::size_t take = 0;
  bool durable = false;
  while (take < queue_.size()) {
    auto size = aligned(log_record_header_size + queue_[take].payload.size());
    if (buffer->size() + size > room) break;
    const std::uint64_t lsn = static_cast<std::uint64_t>(gen_) << 32 | (offset_ + buffer->size());
    std::size_t at = buffer->size();
    buffer->resize(at + size, '\0');
    auto* p = reinterpret_cast<unsigned char*>(buffer->data() + at);
    const auto& payload = queue_[take].payload;
    store_le<std::uint32_t>(p + 4, static_cast<std::uint32_t>(payload.size()));
    store_le<std::uint64_t>(p + 8, lsn);
    std::memcpy(p + log_record_header_size, payload.data(), payload.size());
    store_le<std::uint32_t>(p, crc32c(p + 4, log_record_header_size - 4 + payload.size()));
    if (!queue_[take].done) completed_queued_bytes_ -= size;  // completed at append(), at this lsn
    lsns.push_back(lsn);
    durable = durable || queue_[take].durable;
    ++take;
  }
  batch.assign(std::make_move_iterator(queue_.begin()),
               std::make_move_iterator(queue_.begin() + static_cast<long>(take)));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(take));
  // A sync waiting for this batch makes it durable too.
  durable = durable || !syncs_.empty();

  const std::size_t at = offset_;
  offset_ += buffer->size();
  stats_.bytes += buffer->size();
  ++stats_.writes;
  auto shared_batch = std::make_shared<std::vector<pending>>(std::move(batch));
  auto shared_lsns = std::make_shared<std::vector<std::uint64_t>>(std::move(lsns));
  if (durable) {
    // The write and its sync as one task of the file layer's pool: a durable commit's flush
    // then takes one hand-off to that thread and one back (a write and then a sync took
    // two of each), and its write never waits in the io_uring submissions behind a
    // backup's reads. Measured: durable fills +20 to +37%, commits during a backup p50
    // -30% (docs/performance-history.md, 2026-12-08).
    file_.async_write_and_sync_data(
        at, boost::asio::buffer(*buffer),
        boost::asio::bind_executor(strand_, [this, buffer, shared_batch, shared_lsns](error_code ec) {
          if (!ec) {
            written_lsn_ = shared_lsns->back();
            unsynced_ = false;
            durable_lsn_ = std::max(durable_lsn_, shared_lsns->back());
            ++stats_.flushes;
          }
          after_flush(ec, std::move(*shared_batch), std::move(*shared_lsns), true);
        }));
    return;
  }
  file_.async_write_at(
      at, boost::asio::buffer(*buffer),
      boost::asio::bind_executor(strand_, [this, buffer, shared_batch, shared_lsns](error_code ec, std::size_t) {
        if (ec) return after_flush(ec, std::move(*shared_batch), std::move(*shared_lsns), true);
        // Lazy records only: acknowledged now, durable with the next sync.
        written_lsn_ = shared_lsns->back();
        unsynced_ = true;
        arm_lazy_timer();
        after_flush({}, std::move(*shared_batch), std::move(*shared_lsns), true);
      }));
}

void write_ahead_log::after_flush(error_code ec, std::vector<pending> batch,
                                  std::vector<std::uint64_t> lsns, bool written) {
  if (ec && written && !failed_) failed_ = ec;  // a record may be half-written: nothing may follow it
  if (!ec) {
    stats_.records += batch.size();
    if (!lsns.empty()) last_lsn_ = lsns.back();
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].done) continue;  // completed at append()
    --incomplete_;
    batch[i].done(ec, ec ? 0 : lsns[i]);
  }
  flushing_ = false;
  // Records already completed are written before any roll, sync or drain goes on: they are
  // in this generation, and whoever waits on those counts them as logged. Otherwise they
  // wait for a full batch, a record that must be written, or the lazy-flush timer.
  if (completed_queued_bytes_ > 0 && (completed_queued_bytes_ >= lazy_batch_bytes || incomplete_ > 0 ||
                                      !rolls_.empty() || !syncs_.empty() || !drains_.empty())) {
    flush();
    return;
  }
  if (run_rolls()) return;
  if (!syncs_.empty() && (unsynced_ || failed_)) {
    if (failed_) {
      auto syncs = std::move(syncs_);
      syncs_.clear();
      for (auto& s : syncs) s(failed_);
    } else {
      sync_now();
      return;
    }
  }
  if (!syncs_.empty()) {
    auto syncs = std::move(syncs_);
    syncs_.clear();
    for (auto& s : syncs) s({});
  }
  if (incomplete_ > 0) {  // records waiting for the batch that was in flight
    flush();
    return;
  }
  if (!drains_.empty() && unsynced_ && !failed_) {
    sync_now();
    return;
  }
  if (drains_.empty()) return;
  // The generation made ahead is removed, or waited for and then removed.
  if (spare_.state == spare_state::making) return;  // spare_settled() comes back here
  if (spare_.state == spare_state::ready) return remove_spare();
  lazy_timer_.cancel();
  auto drains = std::move(drains_);
  drains_.clear();
  for (auto& d : drains) d();
}

}  // namespace jetstrand::storage
