#pragma once
// B+tree nodes as slotted pages: the bytes in memory are the bytes on disk (page.hpp's
// header first), so a cached node costs exactly one page.
//
//   24            u16 slot per entry (its offset), in key order
//   ...           free space
//   ..page end    entries, packed from the end of the page downwards
//
// Leaf entry:   u16 key length | u32 value word | key | value
//   value word < 2^31: the value's length, the value follows inline;
//   value word = 2^31 | 12: a long value, followed by u32 length | u32 first page | u32 crc32c
//   of the value, stored in consecutive overflow pages (long_value.hpp).
// Branch entry: u16 key length | u32 child | key. The page header's u32 at offset 20 is the
//   leftmost child; child i + 1 holds the keys >= key i.
//
// Modifications rebuild the page from its entries (a page is at most 32 KiB: one memcpy),
// so pages never fragment; the two changes that cannot leave a hole (an entry added below
// the lowest one, a value overwritten by one of its length) are made in place instead.
// Pages are checked once, when read from disk (check_node_page); the accessors then trust
// them.

#include "storage/page.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace jetstrand::storage {

inline constexpr std::size_t slot_size = 2;
inline constexpr std::size_t leaf_entry_header = 6;
inline constexpr std::size_t branch_entry_header = 6;
inline constexpr std::size_t long_ref_size = 12;
inline constexpr std::uint32_t long_value_flag = 0x80000000u;

struct long_ref {
  std::uint32_t length = 0;
  std::uint32_t first_page = 0;
  std::uint32_t crc = 0;
};

struct leaf_entry {
  std::string_view key;
  std::string_view value;  // the inline bytes, or the 12 bytes of a long_ref
  bool is_long = false;
};

struct branch_entry {
  std::string_view key;
  std::uint32_t child = 0;  // the subtree with keys >= key
};

// The largest key + value stored inside a leaf; a longer value goes to overflow pages. An
// entry is then at most a quarter of the page's payload, so that any full leaf splits into
// two that fit. Counting the key as it is (not as the longest key could be) keeps values of
// up to about a quarter page inline when keys are short: a 2,000-byte value under a short
// key in an 8 KiB page would otherwise take an overflow page of its own, 4x its size.
constexpr std::size_t max_inline_entry(std::size_t page_size) noexcept {
  return (page_size - page_header_size) / 4 - slot_size - leaf_entry_header;
}
// The largest value stored inside a leaf whatever its key (of up to 255 bytes).
constexpr std::size_t max_inline_value(std::size_t page_size) noexcept {
  return max_inline_entry(page_size) - 255;
}

inline std::size_t page_payload(std::size_t page_size) noexcept { return page_size - page_header_size; }
inline std::size_t leaf_entry_bytes(const leaf_entry& e) noexcept {
  return slot_size + leaf_entry_header + e.key.size() + e.value.size();
}
inline std::size_t branch_entry_bytes(std::string_view key) noexcept {
  return slot_size + branch_entry_header + key.size();
}

page_type node_type(const unsigned char* page) noexcept;
std::uint16_t entry_count(const unsigned char* page) noexcept;

// Keys and entries by index (0 <= i < entry_count).
std::string_view entry_key(const unsigned char* page, std::size_t i) noexcept;
leaf_entry leaf_at(const unsigned char* page, std::size_t i) noexcept;
std::uint32_t branch_child(const unsigned char* page, std::size_t i) noexcept;  // 0..count
long_ref decode_long_ref(std::string_view twelve_bytes) noexcept;
void encode_long_ref(const long_ref& r, unsigned char* twelve_bytes) noexcept;

// std::string_view's order (bytes unsigned, then length): <0, 0, >0. Compares 8 bytes at a
// time: keys are short and in a tree often share their first bytes (k000000000012345),
// and a call to memcmp per probe cost a get more than the comparison itself (a fifth of a
// cached get's CPU went to the binary searches, most of it in memcmp).
int compare_keys(std::string_view a, std::string_view b) noexcept;

// The first index whose key is >= key (lower bound) or > key (upper bound).
std::size_t lower_bound(const unsigned char* page, std::string_view key) noexcept;
std::size_t upper_bound(const unsigned char* page, std::string_view key) noexcept;
// Which child of a branch holds `key`.
inline std::size_t child_index(const unsigned char* page, std::string_view key) noexcept {
  return upper_bound(page, key);
}

std::vector<leaf_entry> leaf_entries(const unsigned char* page);
// Children and separators: children.size() == keys.size() + 1.
struct branch_contents {
  std::vector<std::uint32_t> children;
  std::vector<std::string_view> keys;
};
branch_contents branch_entries(const unsigned char* page);

// Payload bytes the entries take (slots included); a page holds page_payload(page_size).
std::size_t leaf_bytes(const std::vector<leaf_entry>& entries) noexcept;
std::size_t branch_bytes(const branch_contents& b) noexcept;

// Writes the entries into `page` (page_size bytes) and sets its type and count; the caller
// seals it before it goes to disk. The entries must not point into `page` and must fit.
void write_leaf(unsigned char* page, std::size_t page_size, const std::vector<leaf_entry>& entries);
void write_branch(unsigned char* page, std::size_t page_size, const branch_contents& b);

// Changes to a leaf that fit without rebuilding it (a put's common cases: a key added to a
// leaf with room, a value replaced by one of the same length). Both keep the page packed
// (no holes between entries: the new entry goes just below the lowest one), so free space
// is what leaf_bytes() says and a later rebuild moves nothing it would not have. Each
// returns false, the page untouched, when the change does not apply; the caller then
// rebuilds the page with write_leaf (or splits it).
// - insert_leaf_entry: `pos` is the key's lower bound and the key is not in the page.
// - replace_leaf_value: entry `pos` holds e.key; same kind (inline or long) and length.
bool insert_leaf_entry(unsigned char* page, std::size_t page_size, std::size_t pos, const leaf_entry& e) noexcept;
bool replace_leaf_value(unsigned char* page, std::size_t pos, const leaf_entry& e) noexcept;

// A page read from disk is a well-formed node: known type, slots and entries inside the
// page, keys of 1..255 bytes in strictly ascending order, long values' runs inside
// [2, page_count). False means -1206.
bool check_node_page(const unsigned char* page, std::size_t page_size, std::uint32_t page_count) noexcept;

}  // namespace jetstrand::storage
