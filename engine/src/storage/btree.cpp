#include "storage/btree.hpp"

#include "storage/byte_io.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace jetstrand::storage {
namespace {

std::vector<unsigned char> copy_of(const unsigned char* page, std::size_t size) {
  return std::vector<unsigned char>(page, page + size);
}

std::size_t node_bytes(const unsigned char* page) {
  return node_type(page) == page_type::leaf ? leaf_bytes(leaf_entries(page))
                                            : branch_bytes(branch_entries(page));
}

// Index of the first entry of the right half: both halves keep one entry or more (a branch's
// right half keeps a key too, as the middle key moves up), and hold about half the bytes.
template <typename Size>
std::size_t split_point(std::size_t count, std::size_t total, std::size_t keep_right, Size size_of) {
  std::size_t acc = 0, m = 0;
  while (m + keep_right < count && acc < total / 2) acc += size_of(m++);
  return std::max<std::size_t>(m, 1);
}

}  // namespace

void set_branch_child(unsigned char* page, std::size_t i, std::uint32_t child) noexcept {
  if (i == 0) {
    store_le<std::uint32_t>(page + 20, child);
    return;
  }
  const auto off = load_le<std::uint16_t>(page + page_header_size + (i - 1) * slot_size);
  store_le<std::uint32_t>(page + off + 2, child);
}

const unsigned char* btree::leaf_below(std::uint32_t p, std::string_view key,
                                       std::optional<std::string_view>* fence, std::uint32_t& missing) {
  for (;;) {
    const unsigned char* b = at(p);
    if (!b) {
      missing = p;
      return nullptr;
    }
    if (node_type(b) == page_type::leaf) return b;
    const auto idx = child_index(b, key);
    if (fence && idx < entry_count(b)) *fence = entry_key(b, idx);  // the innermost wins
    p = branch_child(b, idx);
  }
}

void btree::read_value(const leaf_entry& e, value& out) {
  out.is_long = e.is_long;
  if (e.is_long) {
    out.ref = decode_long_ref(e.value);
    out.bytes.clear();
  } else {
    out.bytes.assign(e.value);
  }
}

btree::outcome btree::find(std::string_view key, value& out, std::uint32_t& page) {
  return find_from(root_, key, out, page);
}

btree::outcome btree::find_from(std::uint32_t start, std::string_view key, value& out, std::uint32_t& page) {
  const unsigned char* b = leaf_below(start, key, nullptr, page);
  if (!b) return outcome::missing;
  const auto i = lower_bound(b, key);
  if (i == entry_count(b) || entry_key(b, i) != key) return outcome::absent;
  read_value(leaf_at(b, i), out);
  return outcome::found;
}

btree::outcome btree::scan_leaf(std::string_view from, std::string_view to, std::size_t limit,
                                bool keys_only, scan_result& out,
                                std::optional<std::string>& next, std::uint32_t& page) {
  std::optional<std::string_view> fence;  // the first key of the next leaf, if there is one
  const unsigned char* b = leaf_for(from, &fence, page);
  if (!b) return outcome::missing;
  const std::size_t n = entry_count(b);
  std::size_t i = lower_bound(b, from);
  for (; i < n && out.entries.size() < limit; ++i) {
    const auto e = leaf_at(b, i);
    if (!to.empty() && e.key >= to) {
      next.reset();
      return outcome::found;
    }
    if (keys_only || e.is_long) {
      out.entries.push_back(e.key, {});
      if (!keys_only) out.long_values.emplace_back(out.entries.size() - 1, decode_long_ref(e.value));
    } else {
      out.entries.push_back(e.key, e.value);
    }
  }
  if (i < n) {
    next.emplace(entry_key(b, i));
  } else if (fence) {
    next.emplace(*fence);
  } else {
    next.reset();
  }
  return outcome::found;
}

std::uint32_t btree::first_missing(std::string_view key, bool for_erase) {
  std::uint32_t p = root_;
  for (;;) {
    const unsigned char* b = at(p);
    if (!b) return p;
    if (node_type(b) == page_type::leaf) return 0;
    const auto idx = child_index(b, key);
    if (for_erase && entry_count(b) > 0) {
      const auto sibling = branch_child(b, idx > 0 ? idx - 1 : idx + 1);
      if (!at(sibling)) return sibling;
    }
    p = branch_child(b, idx);
  }
}

void btree::path_pages(std::string_view key, bool for_erase, std::vector<std::uint32_t>& out) {
  std::uint32_t p = root_;
  for (;;) {
    const unsigned char* b = at(p);
    if (!b) return;
    out.push_back(p);
    if (node_type(b) == page_type::leaf) return;
    const auto idx = child_index(b, key);
    if (for_erase && entry_count(b) > 0) out.push_back(branch_child(b, idx > 0 ? idx - 1 : idx + 1));
    p = branch_child(b, idx);
  }
}

std::size_t btree::depth() {
  std::size_t d = 1;
  for (const unsigned char* b = at(root_); b && node_type(b) == page_type::branch; ++d) {
    b = at(branch_child(b, 0));
  }
  return d;
}

unsigned char* btree::descend_writable(std::string_view key, std::vector<step>& path,
                                       std::uint32_t& leaf) {
  unsigned char* node = pages_.writable(root_);
  std::uint32_t current = root_;
  while (node_type(node) == page_type::branch) {
    const auto idx = child_index(node, key);
    const auto child = branch_child(node, idx);
    auto moved = child;
    unsigned char* c = pages_.writable(moved);
    if (moved != child) set_branch_child(node, idx, moved);
    path.push_back({current, idx});
    current = moved;
    node = c;
  }
  leaf = current;
  return node;
}

void btree::put(std::string_view key, const value& v) {
  const std::size_t ps = pages_.page_size();
  std::vector<step> path;
  std::uint32_t leaf = 0;
  unsigned char* page = descend_writable(key, path, leaf);
  unsigned char ref_bytes[long_ref_size];
  if (v.is_long) encode_long_ref(v.ref, ref_bytes);
  const leaf_entry e{key,
                     v.is_long ? std::string_view(reinterpret_cast<const char*>(ref_bytes), long_ref_size)
                               : std::string_view(v.bytes),
                     v.is_long};
  const auto pos = lower_bound(page, key);
  // Most puts change the leaf in place; only the rest rebuild it from a copy of its entries.
  if (pos < entry_count(page) && entry_key(page, pos) == key) {
    const auto old = leaf_at(page, pos);
    const std::optional<long_ref> old_long =
        old.is_long ? std::optional<long_ref>(decode_long_ref(old.value)) : std::nullopt;
    if (replace_leaf_value(page, pos, e)) {
      if (old_long) pages_.release_long(*old_long);
      return;
    }
  } else if (insert_leaf_entry(page, ps, pos, e)) {
    return;
  }
  const auto scratch = copy_of(page, ps);
  auto entries = leaf_entries(scratch.data());
  if (pos < entries.size() && entries[pos].key == key) {
    if (entries[pos].is_long) pages_.release_long(decode_long_ref(entries[pos].value));
    entries[pos] = e;
  } else {
    entries.insert(entries.begin() + static_cast<long>(pos), e);
  }
  const std::size_t total = leaf_bytes(entries);
  if (total <= page_payload(ps)) {
    write_leaf(page, ps, entries);
    return;
  }
  const auto m = split_point(entries.size(), total, 1,
                             [&](std::size_t i) { return leaf_entry_bytes(entries[i]); });
  std::vector<leaf_entry> right(entries.begin() + static_cast<long>(m), entries.end());
  entries.resize(m);
  std::uint32_t right_no = 0;
  write_leaf(pages_.new_page(right_no), ps, right);
  std::string separator(right.front().key);
  write_leaf(page, ps, entries);
  insert_into_parents(path, std::move(separator), right_no);
}

void btree::insert_into_parents(std::vector<step>& path, std::string separator, std::uint32_t right) {
  const std::size_t ps = pages_.page_size();
  for (;;) {
    if (path.empty()) {
      std::uint32_t new_root = 0;
      branch_contents b;
      b.children = {root_, right};
      b.keys = {separator};
      write_branch(pages_.new_page(new_root), ps, b);
      root_ = new_root;
      return;
    }
    const step s = path.back();
    path.pop_back();
    unsigned char* page = at(s.page);
    const auto scratch = copy_of(page, ps);
    auto b = branch_entries(scratch.data());
    b.keys.insert(b.keys.begin() + static_cast<long>(s.index), separator);
    b.children.insert(b.children.begin() + static_cast<long>(s.index) + 1, right);
    const std::size_t total = branch_bytes(b);
    if (total <= page_payload(ps)) {
      write_branch(page, ps, b);
      return;
    }
    // Keys [0, m) stay, key m moves up, keys (m, end) go right.
    const auto m = split_point(b.keys.size(), total, 2,
                               [&](std::size_t i) { return branch_entry_bytes(b.keys[i]); });
    branch_contents r;
    r.children.assign(b.children.begin() + static_cast<long>(m) + 1, b.children.end());
    r.keys.assign(b.keys.begin() + static_cast<long>(m) + 1, b.keys.end());
    std::string up(b.keys[m]);
    b.keys.resize(m);
    b.children.resize(m + 1);
    std::uint32_t right_no = 0;
    write_branch(pages_.new_page(right_no), ps, r);
    write_branch(page, ps, b);
    separator = std::move(up);
    right = right_no;
  }
}

bool btree::erase(std::string_view key) {
  value found;
  std::uint32_t missing = 0;
  if (find(key, found, missing) != outcome::found) return false;  // nothing to copy on write
  const std::size_t ps = pages_.page_size();
  std::vector<step> path;
  std::uint32_t leaf = 0;
  unsigned char* page = descend_writable(key, path, leaf);
  const auto scratch = copy_of(page, ps);
  auto entries = leaf_entries(scratch.data());
  const auto pos = lower_bound(scratch.data(), key);
  if (entries[pos].is_long) pages_.release_long(decode_long_ref(entries[pos].value));
  entries.erase(entries.begin() + static_cast<long>(pos));
  write_leaf(page, ps, entries);
  rebalance(path, leaf);
  return true;
}

void btree::rebalance(std::vector<step>& path, std::uint32_t child) {
  const std::size_t ps = pages_.page_size();
  const std::size_t payload = page_payload(ps);
  while (!path.empty()) {
    const step s = path.back();
    path.pop_back();
    unsigned char* parent = at(s.page);
    if (node_bytes(at(child)) >= payload / 4 || entry_count(parent) == 0) break;
    const std::size_t li = s.index > 0 ? s.index - 1 : s.index;
    const auto left = branch_child(parent, li), right = branch_child(parent, li + 1);
    const auto lcopy = copy_of(at(left), ps), rcopy = copy_of(at(right), ps);
    const auto parent_copy = copy_of(parent, ps);
    auto pb = branch_entries(parent_copy.data());
    if (node_type(lcopy.data()) == page_type::leaf) {
      auto l = leaf_entries(lcopy.data());
      const auto r = leaf_entries(rcopy.data());
      if (leaf_bytes(l) + leaf_bytes(r) > payload) break;  // the sibling is well filled: leave both
      l.insert(l.end(), r.begin(), r.end());
      auto moved = left;
      write_leaf(pages_.writable(moved), ps, l);
      pb.children[li] = moved;
    } else {
      auto l = branch_entries(lcopy.data());
      const auto r = branch_entries(rcopy.data());
      if (branch_bytes(l) + branch_bytes(r) + branch_entry_bytes(pb.keys[li]) > payload) break;
      l.keys.push_back(pb.keys[li]);
      l.keys.insert(l.keys.end(), r.keys.begin(), r.keys.end());
      l.children.insert(l.children.end(), r.children.begin(), r.children.end());
      auto moved = left;
      write_branch(pages_.writable(moved), ps, l);
      pb.children[li] = moved;
    }
    pages_.release(right);
    pb.keys.erase(pb.keys.begin() + static_cast<long>(li));
    pb.children.erase(pb.children.begin() + static_cast<long>(li) + 1);
    write_branch(parent, ps, pb);
    child = s.page;
  }
  // A root branch left with one child hands the root to it.
  for (const unsigned char* r = at(root_); node_type(r) == page_type::branch && entry_count(r) == 0;
       r = at(root_)) {
    const auto only = branch_child(r, 0);
    pages_.release(root_);
    root_ = only;
  }
}

}  // namespace jetstrand::storage
