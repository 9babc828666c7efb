// database_file: the tree's pages in the cache, reads on demand, and long values.
#include "storage/database_file.hpp"

#include "jetstrand/crc32c.hpp"
#include "jetstrand/error.hpp"
#include "detail/caller_errands.hpp"
#include "io/posix.hpp"

#include <boost/asio/bind_executor.hpp>

#include <cstring>

namespace jetstrand::storage {
namespace {
using boost::system::error_code;
constexpr int read_attempts = 3;
constexpr std::uint32_t long_read_chunk_pages = 128;  // a long value is read 1 MiB at a time (8 KiB pages)

std::uint32_t run_pages(const long_ref& r, std::size_t page_size) {
  const auto per_page = page_payload(page_size);
  return static_cast<std::uint32_t>((r.length + per_page - 1) / per_page);
}
}  // namespace

unsigned char* database_file::resident(std::uint32_t page_no) noexcept {
  auto* p = cache_.find(space_, page_no);
  return p ? p->data() : nullptr;
}

unsigned char* database_file::new_page(std::uint32_t& page_no) {
  const auto ps = page_size();
  auto bytes = cache_.buffer(ps);
  std::memset(bytes.get(), 0, ps);
  page_no = next_provisional_++;
  ++dirty_;
  return cache_.insert(space_, page_no, std::move(bytes), ps, true)->data();
}

unsigned char* database_file::writable(std::uint32_t& page_no) {
  auto* p = cache_.find(space_, page_no);
  if (page_no >= provisional_base) return p->data();  // dirty already
  const auto ps = page_size();
  const auto old = page_no;
  // The clean page leaves the cache (release() below), so its bytes become the dirty page's,
  // unless a spill is writing from them: then they stay parked until it lands, and the
  // dirty page starts as a copy. (The disk keeps the clean bytes either way.)
  std::unique_ptr<unsigned char[]> bytes;
  if (spill_writing_.contains(old)) {
    bytes = cache_.buffer(ps);
    std::memcpy(bytes.get(), p->data(), ps);
  } else {
    bytes = cache_.take(space_, old);
  }
  page_no = next_provisional_++;
  ++dirty_;
  auto* copy = cache_.insert(space_, page_no, std::move(bytes), ps, true);
  release(old);
  return copy->data();
}

void database_file::release(std::uint32_t page_no) {
  if (page_no >= provisional_base) {
    cache_.erase(space_, page_no);
    --dirty_;  // never written: nothing on disk to free
    return;
  }
  const bool writing = spill_writing_.contains(page_no);
  if (writing) {
    parked_.push_back(cache_.take(space_, page_no));  // its write is in flight from these bytes
  } else {
    cache_.erase(space_, page_no);
  }
  if (spilled_.erase(page_no)) {
    // Spilled since the last snapshot: no header names it, so it is free at once, unless
    // its write or a read of it is still in flight (then after the next checkpoint).
    if (!writing && !reading_.contains(page_no)) {
      if (pins_ > 0 && page_no < pinned_pages_) {
        held_.push_back(page_no);
      } else {
        free_.insert(page_no);
      }
      return;
    }
  }
  released_.push_back(page_no);
}

btree::value database_file::keep_long(std::shared_ptr<const std::string> bytes) {
  btree::value v;
  v.is_long = true;
  v.ref.length = static_cast<std::uint32_t>(bytes->size());
  v.ref.first_page = next_provisional_++;
  v.ref.crc = crc32c(bytes->data(), bytes->size());
  unwritten_long_bytes_ += bytes->size();
  unwritten_long_.emplace(v.ref.first_page, std::move(bytes));
  return v;
}

void database_file::release_long(const long_ref& ref) {
  if (ref.first_page >= provisional_base) {
    if (auto it = unwritten_long_.find(ref.first_page); it != unwritten_long_.end()) {
      unwritten_long_bytes_ -= it->second->size();
      unwritten_long_.erase(it);
    }
    return;
  }
  const auto n = run_pages(ref, page_size());
  for (std::uint32_t p = ref.first_page; p < ref.first_page + n; ++p) released_.push_back(p);
}

void database_file::apply(const std::shared_ptr<const transaction>& t, const transaction::op& op) {
  tree_changes_.store(tree_changes_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  if (op.kind == transaction::op_kind::erase) {
    tree_.erase(op.key);
    return;
  }
  if (op.key.size() + op.value.size() > max_inline_entry(page_size())) {
    tree_.put(op.key, keep_long(std::shared_ptr<const std::string>(t, &op.value)));
    return;
  }
  btree::value v;
  v.bytes = op.value;
  tree_.put(op.key, v);
}

error_code database_file::apply_now(const std::shared_ptr<const transaction>& t,
                                    const transaction::op& op) {
  const bool erase = op.kind == transaction::op_kind::erase;
  while (auto missing = tree_.first_missing(op.key, erase)) {
    if (auto ec = fetch_now(missing)) return ec;
  }
  apply(t, op);
  return {};
}

bool database_file::pin_page(std::uint32_t page_no) noexcept {
  if (page_no >= provisional_base) return false;
  auto* p = cache_.peek(space_, page_no);
  if (!p || p->dirty) return false;
  cache_.pin(*p);
  return true;
}

void database_file::unpin_page(std::uint32_t page_no) noexcept {
  if (auto* p = cache_.peek(space_, page_no)) cache_.unpin(*p);
}

// --- Reads ---

void database_file::fetch(std::uint32_t page_no, done_handler done, page_answer answer) {
  // Not find(): the lookup that sent the caller here counted the miss, and it promotes the
  // page itself when it looks again.
  if (cache_.peek(space_, page_no)) return done({});
  auto [it, first] = reading_.try_emplace(page_no);
  auto& read = it->second;
  read.waiters.push_back(std::move(done));
  if (!first) {
    // That read is in flight: this caller shares it. If its thread may answer off the
    // strand, the page must not wait for a later turn now: it may have been left already.
    if (read.answering) {
      {
        std::lock_guard lock(answered_.mutex);
        read.joined = true;
      }
      land_answered();
    }
    return;
  }
  if (detail::caller_errands::here()) return read_on_waiting_thread(page_no, read, std::move(answer));
  land_read(page_no, reuse_epoch_, nullptr, 0, {});
}

void database_file::land_answered_now() {
  std::vector<std::function<void()>> landings;
  {
    std::lock_guard lock(answered_.mutex);
    landings.swap(answered_.landings);
    answered_.pending.store(false, std::memory_order_relaxed);
  }
  for (auto& l : landings) l();
}

void database_file::land_every_read(bool every) {
  {
    std::lock_guard lock(answered_.mutex);
    answered_.land_every = every;
  }
  land_answered();
}

bool database_file::fetch_cached(std::uint32_t page_no) {
  if (cache_.peek(space_, page_no)) return true;
  if (reading_.contains(page_no)) return false;  // its read is in flight: share it
  const auto ps = page_size();
  if (!cache_.make_room(page_cache::charge(ps))) return false;
  auto page = cache_.buffer(ps);
  if (!io::posix::read_cached_at(file_.native_handle(), page.get(), ps, std::uint64_t{page_no} * ps) ||
      !verify_page(page.get(), ps, page_no) || !check_node_page(page.get(), ps, header_.page_count)) {
    return false;  // fetch() retries, or reports what is wrong
  }
  cache_.count_read(false);
  cache_.insert(space_, page_no, std::move(page), ps, false);
  return true;
}

// The read as an errand of the thread that waits for this turn's call: it reads and checks
// the page right after the turn, off the strand, and lands it in a turn of its own. Whatever
// goes wrong there (a short read, a page that does not verify) is left to land_read's own
// read, its retries and its errors.
//
// With an `answer` that answers from the page, the landing is left for a later turn of the
// instance (land_answered) unless another operation joined the read or landings may not be
// left: the errand then returns no landing, and its thread returns to its caller at once.
// The read stays in reading_ until it lands, so its page is neither freed at once nor read
// a second time meanwhile.
void database_file::read_on_waiting_thread(std::uint32_t page_no, page_read& read, page_answer answer) {
  const auto ps = page_size();
  // std::function must be copyable: the page travels in a shared_ptr.
  auto page = std::make_shared<std::unique_ptr<unsigned char[]>>(cache_.buffer(ps));
  read.answering = static_cast<bool>(answer);
  detail::caller_errands::add([this, page_no, ps, epoch = reuse_epoch_, page_count = header_.page_count,
                               file = file_, page, answer = std::move(answer),
                               joined = &read.joined]() -> detail::caller_errands::landing {
    auto* bytes = page->get();
    const bool checked = !io::posix::read_exact_at(file.native_handle(), bytes, ps, std::uint64_t{page_no} * ps) &&
                         verify_page(bytes, ps, page_no) && check_node_page(bytes, ps, page_count);
    auto landing = [this, page_no, epoch, page = checked ? page : nullptr] {
      if (!page) return land_read(page_no, epoch, nullptr, 0, {});
      land_checked(page_no, epoch, std::move(*page));
    };
    if (checked && answer && answer(bytes)) {
      std::lock_guard lock(answered_.mutex);
      if (!*joined && !answered_.land_every) {
        answered_.landings.emplace_back(std::move(landing));
        answered_.pending.store(true, std::memory_order_release);
        return {};
      }
    }
    return landing;
  });
}

// Issues the read (attempt 0 or a retry) or, with a page, handles its landing.
void database_file::land_read(std::uint32_t page_no, std::uint64_t epoch,
                              std::unique_ptr<unsigned char[]> page, int attempt, error_code ec) {
  const auto ps = page_size();
  if (page && !ec) {
    if (epoch != reuse_epoch_) return finish_read(page_no, {});  // see land_checked
    if (!verify_page(page.get(), ps, page_no)) {
      if (attempt + 1 >= read_attempts) return finish_read(page_no, jet_errc::read_verify_failure);
      page.reset();
      ++attempt;
    } else if (!check_node_page(page.get(), ps, header_.page_count)) {
      return finish_read(page_no, jet_errc::database_corrupted);
    } else {
      return land_checked(page_no, epoch, std::move(page));
    }
  }
  if (ec) return finish_read(page_no, ec == jet_errc::disk_io ? error_code(jet_errc::read_verify_failure) : ec);
  auto buffer = cache_.buffer(ps);
  auto* data = buffer.get();
  file_.async_read_at(
      std::uint64_t{page_no} * ps, boost::asio::buffer(data, ps),
      boost::asio::bind_executor(strand_, [this, page_no, epoch, attempt, buffer = std::move(buffer)](
                                              error_code e, std::size_t n) mutable {
        if (!e && n != page_size()) e = jet_errc::read_verify_failure;  // the file ends early
        land_read(page_no, epoch, std::move(buffer), attempt, e);
      }));
}

// A page read and checked lands in the cache, unless pages were freed meanwhile.
void database_file::land_checked(std::uint32_t page_no, std::uint64_t epoch,
                                 std::unique_ptr<unsigned char[]> page) {
  if (epoch != reuse_epoch_) {
    // The page may have been freed and rewritten while it was read: what landed may be
    // another page's bytes. Keep nothing; the caller looks again from the root.
    return finish_read(page_no, {});
  }
  const auto ps = page_size();
  if (!cache_.make_room(page_cache::charge(ps))) {
    waiting_for_room_.push_back({page_no, std::move(page)});
    if (on_cache_full_) on_cache_full_();
    return;
  }
  cache_.count_read(true);  // an operation waited for it (fetch_cached counts the others)
  cache_.insert(space_, page_no, std::move(page), ps, false);
  finish_read(page_no, {});
}

void database_file::finish_read(std::uint32_t page_no, error_code ec) {
  auto it = reading_.find(page_no);
  if (it == reading_.end()) return;
  auto waiters = std::move(it->second.waiters);
  reading_.erase(it);
  for (auto& w : waiters) w(ec);
}

void database_file::retry_waiting_reads() {
  auto waiting = std::move(waiting_for_room_);
  waiting_for_room_.clear();
  for (auto& w : waiting) land_read(w.page_no, reuse_epoch_, std::move(w.bytes), 0, {});
}

error_code database_file::fetch_now(std::uint32_t page_no) {
  const auto ps = page_size();
  auto page = std::make_unique<unsigned char[]>(ps);
  for (int attempt = 0;; ++attempt) {
    if (auto ec = io::posix::read_exact_at(file_.native_handle(), page.get(), ps, std::uint64_t{page_no} * ps)) {
      return ec == jet_errc::disk_io ? error_code(jet_errc::read_verify_failure) : ec;
    }
    if (verify_page(page.get(), ps, page_no)) break;
    if (attempt + 1 >= read_attempts) return jet_errc::read_verify_failure;
  }
  if (!check_node_page(page.get(), ps, header_.page_count)) return jet_errc::database_corrupted;
  cache_.make_room(page_cache::charge(ps));  // recovery may run over the budget (see header)
  cache_.insert(space_, page_no, std::move(page), ps, false);
  return {};
}

// Reads a long value's run a chunk at a time, verifying every page.
struct database_file::long_value_read : std::enable_shared_from_this<long_value_read> {
  database_file* db;
  long_ref ref;
  std::uint32_t pages = 0;
  std::uint32_t next = 0;  // the next page of the run to read
  int attempt = 0;
  std::uint64_t epoch = 0;
  std::vector<unsigned char> chunk;
  std::string value;
  value_handler done;

  void read_chunk() {
    const auto ps = db->page_size();
    if (next == pages) {
      if (crc32c(value.data(), value.size()) != ref.crc) {
        return finish(epoch != db->reuse_epoch_ ? error_code(boost::asio::error::operation_aborted)
                                                : error_code(jet_errc::read_verify_failure));
      }
      return finish({});
    }
    const auto n = std::min(long_read_chunk_pages, pages - next);
    chunk.resize(std::size_t{n} * ps);
    db->file_.async_read_at(
        std::uint64_t{ref.first_page + next} * ps, boost::asio::buffer(chunk),
        boost::asio::bind_executor(db->strand_, [self = shared_from_this(), n](error_code ec, std::size_t got) {
          self->landed(ec, got, n);
        }));
  }

  void landed(error_code ec, std::size_t got, std::uint32_t n) {
    const auto ps = db->page_size();
    const auto per_page = page_payload(ps);
    if (epoch != db->reuse_epoch_) return finish(boost::asio::error::operation_aborted);  // freed meanwhile
    if (ec) return finish(ec);
    bool ok = got == chunk.size();
    for (std::uint32_t i = 0; ok && i < n; ++i) {
      const unsigned char* pg = chunk.data() + std::size_t{i} * ps;
      ok = verify_page(pg, ps, ref.first_page + next + i) && read_page_info(pg).type == page_type::overflow;
    }
    if (!ok) {
      if (++attempt >= read_attempts) return finish(jet_errc::read_verify_failure);
      return read_chunk();  // a torn read: again
    }
    attempt = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      const auto want = std::min<std::size_t>(per_page, ref.length - value.size());
      value.append(reinterpret_cast<const char*>(chunk.data() + std::size_t{i} * ps + page_header_size), want);
    }
    next += n;
    read_chunk();
  }

  void finish(error_code ec) {
    auto d = std::move(done);
    d(ec, ec ? std::string() : std::move(value));
  }
};

void database_file::read_long(const long_ref& ref, value_handler done) {
  if (auto it = unwritten_long_.find(ref.first_page); it != unwritten_long_.end()) {
    return done({}, *it->second);
  }
  auto r = std::make_shared<long_value_read>();
  r->db = this;
  r->ref = ref;
  r->pages = run_pages(ref, page_size());
  r->epoch = reuse_epoch_;
  r->value.reserve(ref.length);
  r->done = std::move(done);
  r->read_chunk();
}

}  // namespace jetstrand::storage
