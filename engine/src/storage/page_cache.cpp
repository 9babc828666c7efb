#include "storage/page_cache.hpp"

#include <algorithm>

namespace jetstrand::storage {

page_cache::page_cache(std::size_t budget_bytes) : budget_(budget_bytes) { spares_.reserve(max_spares); }

page_cache::~page_cache() {
  pages_.for_each([](std::uint64_t, page*& p) { delete p; });
}

void page_cache::page_queue::push_front(page& p) noexcept {
  p.older = newest;
  p.newer = nullptr;
  (newest ? newest->newer : oldest) = &p;
  newest = &p;
  ++size;
}

void page_cache::page_queue::remove(page& p) noexcept {
  (p.newer ? p.newer->older : newest) = p.older;
  (p.older ? p.older->newer : oldest) = p.newer;
  p.newer = p.older = nullptr;
  --size;
}

page_cache::page* page_cache::find(std::uint32_t space, std::uint32_t page_no) noexcept {
  auto* found = pages_.find(key_of(space, page_no));
  if (!found) {
    ++counters_.misses;
    return nullptr;
  }
  ++counters_.hits;
  page& p = **found;
  if (p.where == page::queue::main && main_.newest != &p) {
    main_.remove(p);
    main_.push_front(p);
  }
  return &p;
}

page_cache::page* page_cache::insert(std::uint32_t space, std::uint32_t page_no,
                                     std::unique_ptr<unsigned char[]> bytes, std::size_t size,
                                     bool dirty) {
  const auto key = key_of(space, page_no);
  erase(space, page_no);
  auto owned = std::make_unique<page>();
  page& p = *owned;
  p.key = key;
  p.bytes = std::move(bytes);
  p.size = size;
  p.dirty = dirty;
  last_page_size_ = size;
  pages_.insert(key, owned.get());
  owned.release();  // the map owns it now
  charged_ += charge(size);
  peak_ = std::max(peak_, charged_);
  if (dirty) {
    dirty_bytes_ += size;
  } else if (forget_ghost(key)) {
    link(p, page::queue::main);  // read again soon after eviction: part of the working set
  } else {
    link(p, page::queue::probation);
  }
  return &p;
}

page_cache::page* page_cache::peek(std::uint32_t space, std::uint32_t page_no) noexcept {
  auto* found = pages_.find(key_of(space, page_no));
  return found ? *found : nullptr;
}

std::unique_ptr<unsigned char[]> page_cache::take(std::uint32_t space, std::uint32_t page_no) noexcept {
  auto* p = peek(space, page_no);
  if (!p) return nullptr;
  auto bytes = std::move(p->bytes);
  drop(p);
  return bytes;
}

void page_cache::drop(page* p) noexcept {
  discard(*p);
  pages_.erase(p->key);
  delete p;
}

void page_cache::discard(page& p) noexcept {
  unlink(p);
  charged_ -= charge(p.size);
  if (p.dirty) dirty_bytes_ -= p.size;
  if (p.bytes && spares_.size() < max_spares && (spares_.empty() || p.size == spare_size_)) {
    spare_size_ = p.size;
    spares_.push_back(std::move(p.bytes));  // capacity reserved in the constructor: no throw
  }
}

std::unique_ptr<unsigned char[]> page_cache::buffer(std::size_t size) {
  if (!spares_.empty() && spare_size_ == size) {
    auto bytes = std::move(spares_.back());
    spares_.pop_back();
    return bytes;
  }
  return std::make_unique_for_overwrite<unsigned char[]>(size);
}

void page_cache::erase(std::uint32_t space, std::uint32_t page_no) noexcept {
  if (auto* p = peek(space, page_no)) drop(p);
}

void page_cache::erase_space(std::uint32_t space) noexcept {
  pages_.erase_if([&](std::uint64_t key, page* p) {
    if (key >> 32 != space) return false;
    discard(*p);
    delete p;
    return true;
  });
}

void page_cache::unlink(page& p) noexcept {
  if (p.where != page::queue::none) queue_of(p.where).remove(p);
  p.where = page::queue::none;
}

void page_cache::link(page& p, page::queue q) noexcept {
  queue_of(q).push_front(p);
  p.where = q;
}

void page_cache::settle(page& p) noexcept {
  if (!p.dirty && p.pins == 0 && p.where == page::queue::none) link(p, page::queue::main);
}

void page_cache::mark_dirty(page& p) noexcept {
  if (p.dirty) return;
  unlink(p);
  p.dirty = true;
  dirty_bytes_ += p.size;
}

void page_cache::mark_clean(page& p) noexcept {
  if (!p.dirty) return;
  p.dirty = false;
  dirty_bytes_ -= p.size;
  settle(p);
}

void page_cache::pin(page& p) noexcept {
  unlink(p);
  ++p.pins;
}

void page_cache::unpin(page& p) noexcept {
  if (p.pins > 0 && --p.pins == 0) settle(p);
}

void page_cache::remember_evicted(std::uint64_t key) {
  // As many ghosts as half the pages the budget holds (the paper's Kout).
  const std::size_t limit = std::max<std::size_t>(4, budget_ / charge(last_page_size_) / 2);
  ghosts_.emplace_back(key, ++ghost_seq_);
  ghost_index_.insert(key, ghost_seq_);
  while (ghosts_.size() > limit) {
    const auto [old_key, seq] = ghosts_.front();
    ghosts_.pop_front();
    if (auto* live = ghost_index_.find(old_key); live && *live == seq) ghost_index_.erase(old_key);
  }
}

bool page_cache::forget_ghost(std::uint64_t key) noexcept { return ghost_index_.erase(key) != 0; }

bool page_cache::evict_one() noexcept {
  // Probation keeps a quarter of what is evictable; beyond that its oldest page goes first.
  const bool from_probation =
      probation_.size > 0 && (main_.size == 0 || probation_.size * 4 > probation_.size + main_.size);
  page* victim = (from_probation ? probation_ : main_).oldest;
  if (!victim) return false;
  const auto key = victim->key;
  drop(victim);
  ++counters_.evictions;
  if (from_probation) {
    try {
      remember_evicted(key);
    } catch (...) {  // a ghost is only a hint
    }
  }
  return true;
}

bool page_cache::make_room(std::size_t bytes) noexcept {
  while (charged_ + bytes > budget_) {
    if (!evict_one()) return false;
  }
  return true;
}

}  // namespace jetstrand::storage
