// database_file: the copy-on-write checkpoint.
#include "storage/database_file.hpp"

#include "storage/free_list.hpp"

#include <boost/asio/bind_executor.hpp>

#include <algorithm>
#include <cstring>

namespace jetstrand::storage {
namespace {
using boost::system::error_code;
}

void database_file::add_write(std::uint32_t first, const unsigned char* bytes, std::size_t size) {
  pending_writes_.push_back({first, std::vector<unsigned char>(bytes, bytes + size)});
}

// Adjacent pages go out in one write. Each run is sized exactly and its pages' copies are
// freed as it is built, so a checkpoint holds its dirty bytes about once, not three times.
std::vector<database_file::page_run> database_file::merge_runs(std::vector<page_run> writes, std::size_t ps) {
  std::sort(writes.begin(), writes.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<page_run> runs;
  for (std::size_t i = 0; i < writes.size();) {
    std::size_t end = i + 1, pages = writes[i].bytes.size() / ps;
    while (end < writes.size() && writes[end].first == writes[i].first + pages) {
      pages += writes[end].bytes.size() / ps;
      ++end;
    }
    if (end == i + 1) {
      runs.push_back(std::move(writes[i]));
    } else {
      page_run run{writes[i].first, {}};
      run.bytes.reserve(pages * ps);
      for (std::size_t j = i; j < end; ++j) {
        run.bytes.insert(run.bytes.end(), writes[j].bytes.begin(), writes[j].bytes.end());
        std::vector<unsigned char>().swap(writes[j].bytes);
      }
      runs.push_back(std::move(run));
    }
    i = end;
  }
  return runs;
}

// Gives a dirty page (and its dirty children, and the new long values it holds) real page
// numbers, children first, and queues their writes. Returns the page's real number.
std::uint32_t database_file::assign_pages(std::uint32_t page_no, std::uint64_t lsn) {
  if (page_no < provisional_base) return page_no;
  const auto ps = page_size();
  unsigned char* bytes = cache_.peek(space_, page_no)->data();
  const auto type = node_type(bytes);
  const auto count = entry_count(bytes);
  if (type == page_type::branch) {
    for (std::size_t i = 0; i <= count; ++i) {
      const auto child = branch_child(bytes, i);
      if (child >= provisional_base) set_branch_child(bytes, i, assign_pages(child, lsn));
    }
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      const auto e = leaf_at(bytes, i);
      if (!e.is_long) continue;
      const auto ref = decode_long_ref(e.value);
      if (ref.first_page < provisional_base) continue;
      auto it = unwritten_long_.find(ref.first_page);
      const std::string& value = *it->second;
      const auto per_page = page_payload(ps);
      const auto n = static_cast<std::uint32_t>((value.size() + per_page - 1) / per_page);
      const auto first = allocate_run(n);
      std::vector<unsigned char> run(std::size_t{n} * ps, 0);
      for (std::uint32_t k = 0; k < n; ++k) {
        unsigned char* pg = run.data() + std::size_t{k} * ps;
        const auto at = std::size_t{k} * per_page;
        std::memcpy(pg + page_header_size, value.data() + at, std::min(per_page, value.size() - at));
        seal_page(pg, ps, {first + k, lsn, page_type::overflow, 0});
      }
      pending_writes_.push_back({first, std::move(run)});
      auto kept = std::move(it->second);
      unwritten_long_.erase(it);
      unwritten_long_.emplace(first, std::move(kept));  // read from memory until written
      written_long_.push_back(first);
      long_ref real = ref;
      real.first_page = first;
      encode_long_ref(real, reinterpret_cast<unsigned char*>(const_cast<char*>(e.value.data())));
    }
  }
  const auto real = allocate_page();
  seal_page(bytes, ps, {real, lsn, type, count});
  add_write(real, bytes, ps);
  auto owned = cache_.take(space_, page_no);
  auto* clean = cache_.insert(space_, real, std::move(owned), ps, false);
  cache_.pin(*clean);  // not evicted before its write lands: the disk has older bytes
  written_pages_.push_back(real);
  --dirty_;
  return real;
}

void database_file::write_free_list(std::uint64_t lsn) {
  const auto ps = page_size();
  freeing_.insert(freeing_.end(), free_list_pages_.begin(), free_list_pages_.end());
  free_list_pages_.clear();
  // Free once this header is durable and nothing is pinned (as after a restart).
  auto listed = [&] {
    std::vector<std::uint32_t> all(free_.begin(), free_.end());
    all.insert(all.end(), held_.begin(), held_.end());
    all.insert(all.end(), freeing_.begin(), freeing_.end());
    std::sort(all.begin(), all.end());
    return to_ranges(all);
  };
  const auto per_page = ranges_per_page(ps);
  auto ranges = listed();
  std::vector<std::uint32_t> mine;
  while (mine.size() * per_page < ranges.size()) {
    mine.push_back(allocate_page());  // the lowest free page: the ranges do not grow
    ranges = listed();
  }
  std::vector<unsigned char> page(ps);
  std::size_t from = 0;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const auto n = std::min(per_page, ranges.size() - from);
    encode_free_list_page(page.data(), ps, mine[i], lsn, i + 1 < mine.size() ? mine[i + 1] : 0,
                          ranges, from, n);
    from += n;
    add_write(mine[i], page.data(), ps);
  }
  header_.free_list = mine.empty() ? 0 : mine.front();
  free_list_pages_ = std::move(mine);
}

// Writes the runs one after the other (a copy of this object is each write's handler), then
// syncs and writes the header. Every `writeback_chunk` bytes it starts their writeback and
// goes on once the kernel has taken it: the pages reach the disk a chunk at a time instead
// of all at the final fdatasync, when the log's fdatasyncs (commits) would wait behind them.
struct database_file::write_runs {
  static constexpr std::uint64_t writeback_chunk = 1u << 20;

  database_file* self;
  std::shared_ptr<std::vector<page_run>> runs;
  std::size_t index;
  std::uint64_t seq;
  std::uint64_t unhinted_from = 0, unhinted_to = 0;  // written since the last writeback started

  void operator()(error_code ec, std::size_t) {
    if (ec) return self->finish_checkpoint(ec);
    const auto& r = (*runs)[index - 1];
    const auto from = static_cast<std::uint64_t>(r.first) * self->header_.page_size;
    if (unhinted_to == unhinted_from) unhinted_from = from;
    unhinted_from = std::min(unhinted_from, from);
    unhinted_to = std::max(unhinted_to, from + r.bytes.size());
    if (unhinted_to - unhinted_from < writeback_chunk || index == runs->size()) return next();
    const auto offset = unhinted_from, length = unhinted_to - unhinted_from;
    unhinted_from = unhinted_to = 0;
    // A failure here is no failure of the checkpoint: the final fdatasync writes it all.
    self->file_.async_start_writeback(
        offset, length, boost::asio::bind_executor(self->strand_, [w = *this](error_code) mutable { w.next(); }));
  }
  void next() {
    if (index == runs->size()) {
      auto* db = self;
      // Leaves spilled before the snapshot are in this header's tree: their writes must
      // have landed for the sync to cover them.
      if (db->spill_in_flight_) {
        db->after_spills_.push_back([w = *this]() mutable { w.next(); });
        return;
      }
      if (db->failed_) return db->finish_checkpoint(db->failed_);  // a spill failed
      auto header_seq = seq;
      db->file_.async_sync_data(
          boost::asio::bind_executor(db->strand_, [db, header_seq](error_code ec) {
            if (ec) return db->finish_checkpoint(ec);
            db->write_header_then(header_seq, [db](error_code e) { db->finish_checkpoint(e); });
          }));
      return;
    }
    auto& r = (*runs)[index++];
    self->file_.async_write_at(static_cast<std::uint64_t>(r.first) * self->header_.page_size,
                               boost::asio::buffer(r.bytes),
                               boost::asio::bind_executor(self->strand_, *this));
  }
};

void database_file::checkpoint(done_handler done) {
  if (failed_) {
    done(failed_);
    return;
  }
  if (checkpointing_) {
    next_round_.push_back(std::move(done));
    return;
  }
  if (!needs_checkpoint()) {
    done({});
    return;
  }
  checkpointing_ = true;
  waiting_.push_back(std::move(done));

  // Everything is decided in this strand turn (the tree changes while the writes run):
  // real pages for what is dirty, the free list, the header.
  const std::uint64_t lsn = applied_lsn_;
  freeing_ = std::move(released_);
  released_.clear();
  // Pages spilled until now are in this snapshot's tree: from here on, pages the tree lets
  // go of are freed as any other (after this header is durable).
  spilled_.clear();
  header_.root = assign_pages(header_.root, lsn);
  next_provisional_ = provisional_base;  // nothing provisional is left
  trim_free_tail();
  write_free_list(lsn);
  header_.lsn = lsn;
  header_.seq += 1;
  header_changed_ = false;
  // What this checkpoint's header says; header_ moves on as the tree changes meanwhile.
  writing_header_ = header_;
  const std::uint64_t seq = header_.seq;

  const std::size_t ps = header_.page_size;
  auto writes = std::move(pending_writes_);
  pending_writes_.clear();
  auto runs = std::make_shared<std::vector<page_run>>(merge_runs(std::move(writes), ps));
  write_runs{this, std::move(runs), 0, seq, 0, 0}.next();
}

void database_file::write_header_then(std::uint64_t seq, done_handler done) {
  const std::uint32_t slot = static_cast<std::uint32_t>(seq % 2);
  auto page = std::make_shared<std::vector<unsigned char>>(encode_header(writing_header_, slot));
  file_.async_write_at(
      static_cast<std::uint64_t>(slot) * header_.page_size, boost::asio::buffer(*page),
      boost::asio::bind_executor(strand_, [this, page, done = std::move(done)](error_code ec,
                                                                              std::size_t) {
        if (ec) return done(ec);
        file_.async_sync_data(boost::asio::bind_executor(strand_, done));
      }));
}

void database_file::finish_checkpoint(error_code ec) {
  if (!ec) {
    durable_header_ = writing_header_;
    // The new header is durable: what this checkpoint freed is free, unless a pinned
    // snapshot covers it.
    for (auto p : freeing_) {
      if (pins_ > 0 && p < pinned_pages_) {
        held_.push_back(p);
      } else {
        free_.insert(p);
      }
    }
    if (!freeing_.empty()) ++reuse_epoch_;
    truncate_to_page_count();
    note_trimmable_tail();
    for (auto p : written_pages_) {
      if (auto* pg = cache_.peek(space_, p)) cache_.unpin(*pg);
    }
    for (auto first : written_long_) {
      if (auto it = unwritten_long_.find(first); it != unwritten_long_.end()) {
        unwritten_long_bytes_ -= it->second->size();
        unwritten_long_.erase(it);
      }
    }
  } else {
    // The tree now names pages whose writes may not have happened, so no later header may
    // be written from it, and its written pages stay pinned (the disk may not have them):
    // the database stays failed until it is reopened, when recovery rebuilds it from the
    // durable header and the log.
    failed_ = ec;
  }
  written_pages_.clear();
  written_long_.clear();
  freeing_.clear();
  checkpointing_ = false;
  auto done = std::move(waiting_);
  waiting_.clear();
  auto again = std::move(next_round_);
  next_round_.clear();
  for (auto& d : done) d(ec);
  if (!again.empty()) {
    auto shared = std::make_shared<std::vector<done_handler>>(std::move(again));
    checkpoint([shared](error_code e) {
      for (auto& d : *shared) d(e);
    });
  }
}

}  // namespace jetstrand::storage
