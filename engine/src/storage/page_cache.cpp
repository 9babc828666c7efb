#include "storage/page_cache.hpp"

#include <algorithm>

namespace jetstrand::storage {

page_cache::page_cache(std::size_t budget_bytes) : budget_(budget_bytes) { spares_.reserve(max_spares); }
page_cache::~page_cache() = default;

page_cache::page* page_cache::find(std::uint32_t space, std::uint32_t page_no) noexcept {
  auto it = pages_.find(key_of(space, page_no));
  if (it == pages_.end()) {
    ++counters_.misses;
    return nullptr;
  }
  ++counters_.hits;
  page& p = *it->second;
  if (p.where == page::queue::main) main_.splice(main_.begin(), main_, p.pos);
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
  pages_.emplace(key, std::move(owned));
  charged_ += charge(size);
  peak_ = std::max(peak_, charged_);
  if (dirty) {
    dirty_bytes_ += size;
  } else if (auto g = ghost_index_.find(key); g != ghost_index_.end()) {
    ghosts_.erase(g->second);
    ghost_index_.erase(g);
    link(p, page::queue::main);  // read again soon after eviction: part of the working set
  } else {
    link(p, page::queue::probation);
  }
  return &p;
}

page_cache::page* page_cache::peek(std::uint32_t space, std::uint32_t page_no) noexcept {
  auto it = pages_.find(key_of(space, page_no));
  return it == pages_.end() ? nullptr : it->second.get();
}

std::unique_ptr<unsigned char[]> page_cache::take(std::uint32_t space, std::uint32_t page_no) noexcept {
  auto it = pages_.find(key_of(space, page_no));
  if (it == pages_.end()) return nullptr;
  auto bytes = std::move(it->second->bytes);
  drop(it);
  return bytes;
}

void page_cache::drop(std::unordered_map<std::uint64_t, std::unique_ptr<page>>::iterator it) noexcept {
  page& p = *it->second;
  unlink(p);
  charged_ -= charge(p.size);
  if (p.dirty) dirty_bytes_ -= p.size;
  if (p.bytes && spares_.size() < max_spares && (spares_.empty() || p.size == spare_size_)) {
    spare_size_ = p.size;
    spares_.push_back(std::move(p.bytes));  // capacity reserved in the constructor: no throw
  }
  pages_.erase(it);
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
  auto it = pages_.find(key_of(space, page_no));
  if (it != pages_.end()) drop(it);
}

void page_cache::erase_space(std::uint32_t space) noexcept {
  for (auto it = pages_.begin(); it != pages_.end();) {
    auto next = std::next(it);
    if (it->first >> 32 == space) drop(it);
    it = next;
  }
}

void page_cache::unlink(page& p) noexcept {
  if (p.where == page::queue::probation) probation_.erase(p.pos);
  if (p.where == page::queue::main) main_.erase(p.pos);
  p.where = page::queue::none;
}

void page_cache::link(page& p, page::queue q) noexcept {
  auto& list = q == page::queue::main ? main_ : probation_;
  list.push_front(&p);
  p.pos = list.begin();
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
  ghosts_.push_front(key);
  ghost_index_[key] = ghosts_.begin();
  while (ghosts_.size() > limit) {
    ghost_index_.erase(ghosts_.back());
    ghosts_.pop_back();
  }
}

bool page_cache::evict_one() noexcept {
  // Probation keeps a quarter of what is evictable; beyond that its oldest page goes first.
  const bool from_probation =
      !probation_.empty() && (main_.empty() || probation_.size() * 4 > probation_.size() + main_.size());
  auto& list = from_probation ? probation_ : main_;
  if (list.empty()) return false;
  page* victim = list.back();
  const auto key = victim->key;
  drop(pages_.find(key));
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
