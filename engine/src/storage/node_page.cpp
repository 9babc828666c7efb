#include "storage/node_page.hpp"

#include "storage/byte_io.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace jetstrand::storage {
namespace {

std::uint16_t slot(const unsigned char* page, std::size_t i) noexcept {
  return load_le<std::uint16_t>(page + page_header_size + i * slot_size);
}

}  // namespace

int compare_keys(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
      if constexpr (std::endian::native == std::endian::little) {
        x = __builtin_bswap64(x);  // the first byte the most significant
        y = __builtin_bswap64(y);
      }
      return x < y ? -1 : 1;
    }
  }
  for (; i < n; ++i) {
    const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

page_type node_type(const unsigned char* page) noexcept {
  return static_cast<page_type>(load_le<std::uint16_t>(page + 16));
}

std::uint16_t entry_count(const unsigned char* page) noexcept {
  return load_le<std::uint16_t>(page + 18);
}

std::string_view entry_key(const unsigned char* page, std::size_t i) noexcept {
  const unsigned char* e = page + slot(page, i);
  return {reinterpret_cast<const char*>(e + 6), load_le<std::uint16_t>(e)};
}

leaf_entry leaf_at(const unsigned char* page, std::size_t i) noexcept {
  const unsigned char* e = page + slot(page, i);
  const auto klen = load_le<std::uint16_t>(e);
  const auto word = load_le<std::uint32_t>(e + 2);
  const bool is_long = (word & long_value_flag) != 0;
  const std::size_t vlen = is_long ? long_ref_size : word;
  const char* k = reinterpret_cast<const char*>(e + leaf_entry_header);
  return {std::string_view(k, klen), std::string_view(k + klen, vlen), is_long};
}

std::uint32_t branch_child(const unsigned char* page, std::size_t i) noexcept {
  if (i == 0) return load_le<std::uint32_t>(page + 20);
  return load_le<std::uint32_t>(page + slot(page, i - 1) + 2);
}

long_ref decode_long_ref(std::string_view b) noexcept {
  auto* p = reinterpret_cast<const unsigned char*>(b.data());
  return {load_le<std::uint32_t>(p), load_le<std::uint32_t>(p + 4), load_le<std::uint32_t>(p + 8)};
}

void encode_long_ref(const long_ref& r, unsigned char* p) noexcept {
  store_le<std::uint32_t>(p, r.length);
  store_le<std::uint32_t>(p + 4, r.first_page);
  store_le<std::uint32_t>(p + 8, r.crc);
}

std::size_t lower_bound(const unsigned char* page, std::string_view key) noexcept {
  std::size_t lo = 0, hi = entry_count(page);
  while (lo < hi) {
    auto mid = lo + (hi - lo) / 2;
    if (compare_keys(entry_key(page, mid), key) < 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

std::size_t upper_bound(const unsigned char* page, std::string_view key) noexcept {
  std::size_t lo = 0, hi = entry_count(page);
  while (lo < hi) {
    auto mid = lo + (hi - lo) / 2;
    if (compare_keys(entry_key(page, mid), key) <= 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

std::vector<leaf_entry> leaf_entries(const unsigned char* page) {
  std::vector<leaf_entry> out;
  const auto n = entry_count(page);
  out.reserve(n + 1u);
  for (std::size_t i = 0; i < n; ++i) out.push_back(leaf_at(page, i));
  return out;
}

branch_contents branch_entries(const unsigned char* page) {
  branch_contents b;
  const auto n = entry_count(page);
  b.children.reserve(n + 2u);
  b.keys.reserve(n + 1u);
  b.children.push_back(branch_child(page, 0));
  for (std::size_t i = 0; i < n; ++i) {
    b.keys.push_back(entry_key(page, i));
    b.children.push_back(branch_child(page, i + 1));
  }
  return b;
}

std::size_t leaf_bytes(const std::vector<leaf_entry>& entries) noexcept {
  std::size_t n = 0;
  for (const auto& e : entries) n += leaf_entry_bytes(e);
  return n;
}

std::size_t branch_bytes(const branch_contents& b) noexcept {
  std::size_t n = 0;
  for (auto k : b.keys) n += branch_entry_bytes(k);
  return n;
}

void write_leaf(unsigned char* page, std::size_t page_size, const std::vector<leaf_entry>& entries) {
  std::memset(page, 0, page_size);
  std::size_t top = page_size;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    top -= leaf_entry_header + e.key.size() + e.value.size();
    unsigned char* p = page + top;
    store_le<std::uint16_t>(p, static_cast<std::uint16_t>(e.key.size()));
    store_le<std::uint32_t>(p + 2, e.is_long ? (long_value_flag | long_ref_size)
                                             : static_cast<std::uint32_t>(e.value.size()));
    std::memcpy(p + leaf_entry_header, e.key.data(), e.key.size());
    std::memcpy(p + leaf_entry_header + e.key.size(), e.value.data(), e.value.size());
    store_le<std::uint16_t>(page + page_header_size + i * slot_size, static_cast<std::uint16_t>(top));
  }
  store_le<std::uint16_t>(page + 16, static_cast<std::uint16_t>(page_type::leaf));
  store_le<std::uint16_t>(page + 18, static_cast<std::uint16_t>(entries.size()));
}

bool insert_leaf_entry(unsigned char* page, std::size_t page_size, std::size_t pos, const leaf_entry& e) noexcept {
  const std::size_t n = entry_count(page);
  std::size_t lowest = page_size;  // where the packed entries begin
  for (std::size_t i = 0; i < n; ++i) lowest = std::min<std::size_t>(lowest, slot(page, i));
  const std::size_t slots_end = page_header_size + n * slot_size;
  const std::size_t bytes = leaf_entry_header + e.key.size() + e.value.size();
  if (slots_end + slot_size + bytes > lowest) return false;
  const std::size_t top = lowest - bytes;
  unsigned char* p = page + top;
  store_le<std::uint16_t>(p, static_cast<std::uint16_t>(e.key.size()));
  store_le<std::uint32_t>(p + 2, e.is_long ? (long_value_flag | long_ref_size) : static_cast<std::uint32_t>(e.value.size()));
  std::memcpy(p + leaf_entry_header, e.key.data(), e.key.size());
  std::memcpy(p + leaf_entry_header + e.key.size(), e.value.data(), e.value.size());
  unsigned char* at = page + page_header_size + pos * slot_size;
  std::memmove(at + slot_size, at, (n - pos) * slot_size);
  store_le<std::uint16_t>(at, static_cast<std::uint16_t>(top));
  store_le<std::uint16_t>(page + 18, static_cast<std::uint16_t>(n + 1));
  return true;
}

bool replace_leaf_value(unsigned char* page, std::size_t pos, const leaf_entry& e) noexcept {
  const auto old = leaf_at(page, pos);
  if (old.is_long != e.is_long || old.value.size() != e.value.size()) return false;
  std::memcpy(page + slot(page, pos) + leaf_entry_header + old.key.size(), e.value.data(), e.value.size());
  return true;
}

void write_branch(unsigned char* page, std::size_t page_size, const branch_contents& b) {
  std::memset(page, 0, page_size);
  std::size_t top = page_size;
  for (std::size_t i = 0; i < b.keys.size(); ++i) {
    top -= branch_entry_header + b.keys[i].size();
    unsigned char* p = page + top;
    store_le<std::uint16_t>(p, static_cast<std::uint16_t>(b.keys[i].size()));
    store_le<std::uint32_t>(p + 2, b.children[i + 1]);
    std::memcpy(p + branch_entry_header, b.keys[i].data(), b.keys[i].size());
    store_le<std::uint16_t>(page + page_header_size + i * slot_size, static_cast<std::uint16_t>(top));
  }
  store_le<std::uint32_t>(page + 20, b.children[0]);
  store_le<std::uint16_t>(page + 16, static_cast<std::uint16_t>(page_type::branch));
  store_le<std::uint16_t>(page + 18, static_cast<std::uint16_t>(b.keys.size()));
}

bool check_node_page(const unsigned char* page, std::size_t page_size, std::uint32_t page_count) noexcept {
  const auto type = node_type(page);
  if (type != page_type::leaf && type != page_type::branch) return false;
  const std::size_t n = entry_count(page);
  const std::size_t slots_end = page_header_size + n * slot_size;
  if (slots_end > page_size) return false;
  auto valid_page = [&](std::uint32_t p) { return p >= 2 && p < page_count; };
  if (type == page_type::branch && !valid_page(load_le<std::uint32_t>(page + 20))) return false;
  std::string_view previous;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t off = slot(page, i);
    if (off < slots_end || off + 6 > page_size) return false;
    const std::size_t klen = load_le<std::uint16_t>(page + off);
    const auto word = load_le<std::uint32_t>(page + off + 2);
    std::size_t vlen = 0;
    if (type == page_type::leaf) {
      if (word & long_value_flag) {
        if (word != (long_value_flag | long_ref_size)) return false;
        vlen = long_ref_size;
      } else {
        vlen = word;
      }
    } else if (!valid_page(word)) {
      return false;
    }
    if (klen == 0 || klen > 255 || off + 6 + klen + vlen > page_size) return false;
    std::string_view key(reinterpret_cast<const char*>(page + off + 6), klen);
    if (i > 0 && compare_keys(key, previous) <= 0) return false;
    previous = key;
    if (type == page_type::leaf && (word & long_value_flag)) {
      auto r = decode_long_ref(std::string_view(key.data() + klen, long_ref_size));
      const std::size_t per_page = page_payload(page_size);
      const std::uint64_t pages = (std::uint64_t{r.length} + per_page - 1) / per_page;
      if (r.length == 0 || !valid_page(r.first_page) || r.first_page + pages > page_count) return false;
    }
  }
  return true;
}

}  // namespace jetstrand::storage
