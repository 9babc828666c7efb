#pragma once
// The pages of an instance's databases held in memory, within a byte budget.
//
// Every B+tree page an operation touches is here: clean pages (as on disk) may be evicted,
// dirty pages (changed since the last checkpoint) and pinned pages (a checkpoint's write in
// flight, a commit's path) may not. Each page is charged its size plus `overhead`; the
// charge never exceeds the budget as long as callers ask make_room() before they add.
//
// Eviction is 2Q (Johnson & Shasha, VLDB 1994): a page read for the first time enters a
// FIFO "probation" queue; only a page read again soon after it left probation (its number
// is still in the "ghost" list of recent evictions) enters the LRU "main" queue. A scan or
// a cold lookup therefore passes through probation without pushing the working set out of
// main, and the policy needs no tuning beyond the probation share (a quarter, as the paper
// suggests). Pages a checkpoint cleans go to main: they were just written, so they are hot.
//
// The queues are intrusive (links in the pages) and the index is open-addressed (u64_map):
// a hit allocates nothing, and an insert only its page record (the index and the ghost
// queue grow now and then, not per page).
//
// Not thread-safe: one cache per instance, used on its strand.

#include "storage/u64_map.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace jetstrand::storage {

class page_cache {
 public:
  static constexpr std::size_t overhead = 128;  // bookkeeping per page, charged with it
  // Dropped pages whose bytes are kept for buffer(): a fixed overhead beside the budget
  // (64 KiB with 8 KiB pages), never charged.
  static constexpr std::size_t max_spares = 8;

  struct page {
    std::uint64_t key = 0;
    std::unique_ptr<unsigned char[]> bytes;
    std::size_t size = 0;
    bool dirty = false;
    int pins = 0;
    enum class queue : unsigned char { none, probation, main } where = queue::none;
    page* newer = nullptr;  // the neighbours in its queue
    page* older = nullptr;
    unsigned char* data() noexcept { return bytes.get(); }
  };

  struct counters {
    std::uint64_t hits = 0, misses = 0, evictions = 0;
    // How the misses were read: at once from the OS page cache, or waiting on the file layer.
    std::uint64_t reads_os_cached = 0, reads_waited = 0;
  };

  explicit page_cache(std::size_t budget_bytes);
  ~page_cache();
  page_cache(const page_cache&) = delete;
  page_cache& operator=(const page_cache&) = delete;

  // A new budget applies from the next make_room (pages are not evicted eagerly).
  void set_budget(std::size_t bytes) noexcept { budget_ = bytes; }
  std::size_t budget() const noexcept { return budget_; }
  std::size_t charged() const noexcept { return charged_; }
  std::size_t peak_charged() const noexcept { return peak_; }
  std::size_t dirty_bytes() const noexcept { return dirty_bytes_; }
  const counters& stats() const noexcept { return counters_; }
  void count_read(bool waited) noexcept { ++(waited ? counters_.reads_waited : counters_.reads_os_cached); }
  static std::size_t charge(std::size_t page_size) noexcept { return page_size + overhead; }

  // The resident page, or nullptr (a miss: the caller reads it). A hit refreshes main's order.
  page* find(std::uint32_t space, std::uint32_t page_no) noexcept;
  // Adds a page read from disk (clean) or made in memory (dirty). Call make_room first.
  page* insert(std::uint32_t space, std::uint32_t page_no, std::unique_ptr<unsigned char[]> bytes,
               std::size_t size, bool dirty);
  // The resident page without counting a hit or changing its place (bookkeeping).
  page* peek(std::uint32_t space, std::uint32_t page_no) noexcept;
  // Removes a page and hands its bytes over (a dirty page getting its real number).
  std::unique_ptr<unsigned char[]> take(std::uint32_t space, std::uint32_t page_no) noexcept;
  // A buffer of `size` bytes for a page about to be read or made, its contents undefined:
  // the bytes of a page dropped or evicted lately when one of that size is at hand. Reusing
  // them spares the allocator a page-sized malloc and free per miss, which (with the small
  // strings of reads around them) cost a scan a tenth of its time in malloc_consolidate.
  std::unique_ptr<unsigned char[]> buffer(std::size_t size);
  std::size_t spares() const noexcept { return spares_.size(); }
  // The page left its tree (freed): dropped whatever its state.
  void erase(std::uint32_t space, std::uint32_t page_no) noexcept;
  // Every page of a space (a database being closed or detached).
  void erase_space(std::uint32_t space) noexcept;

  void mark_dirty(page& p) noexcept;
  void mark_clean(page& p) noexcept;  // written by a checkpoint: evictable once unpinned
  void pin(page& p) noexcept;
  void unpin(page& p) noexcept;

  // Evicts clean, unpinned pages until `bytes` more fit in the budget. False if they
  // cannot: the rest of the budget is dirty or pinned (a checkpoint frees it).
  bool make_room(std::size_t bytes) noexcept;

 private:
  static std::uint64_t key_of(std::uint32_t space, std::uint32_t page_no) noexcept {
    return std::uint64_t{space} << 32 | page_no;
  }
  // A queue through the pages' own links: front the newest, back the oldest.
  struct page_queue {
    page* newest = nullptr;
    page* oldest = nullptr;
    std::size_t size = 0;
    void push_front(page& p) noexcept;
    void remove(page& p) noexcept;
  };
  page_queue& queue_of(page::queue q) noexcept { return q == page::queue::main ? main_ : probation_; }
  void unlink(page& p) noexcept;
  void link(page& p, page::queue q) noexcept;
  void settle(page& p) noexcept;  // back into a queue if it became evictable
  bool evict_one() noexcept;
  void remember_evicted(std::uint64_t key);
  bool forget_ghost(std::uint64_t key) noexcept;  // true if it was one
  void drop(page* p) noexcept;       // out of the queues, the charge and the index; deleted
  void discard(page& p) noexcept;    // out of the queues and the charge (its bytes to spares)

  std::size_t budget_;
  std::size_t charged_ = 0, peak_ = 0, dirty_bytes_ = 0;
  std::size_t last_page_size_ = 8192;  // sizes the ghost list in pages
  u64_map<page*> pages_;  // owns them (deleted in drop and the destructor)
  // Bytes of dropped pages kept for buffer(), all of spare_size_ bytes.
  std::vector<std::unique_ptr<unsigned char[]>> spares_;
  std::size_t spare_size_ = 0;
  page_queue probation_, main_;
  // Recently evicted keys, oldest first, each with the number it was remembered under; the
  // index holds the live ones (a ghost read again leaves the index, its entry here goes
  // stale and leaves when it reaches the front).
  std::deque<std::pair<std::uint64_t, std::uint64_t>> ghosts_;
  u64_map<std::uint64_t> ghost_index_;
  std::uint64_t ghost_seq_ = 0;
  counters counters_;
};

}  // namespace jetstrand::storage
