#include "storage/btree.hpp"

#include "jetstrand/error.hpp"
#include "storage/byte_io.hpp"

#include <algorithm>
#include <cstring>

namespace jetstrand::storage {

// Payload sizes: a leaf entry is u16 key length, u32 value length, key, value; a branch is
// u32 first child, then per key: u16 key length, key, u32 child.
namespace {
std::size_t leaf_entry_size(std::size_t k, std::size_t v) { return 2 + 4 + k + v; }
std::size_t branch_entry_size(std::size_t k) { return 2 + k + 4; }
constexpr int max_depth = 64;  // a corrupt cycle of branch pages stops here
}  // namespace

struct btree::node {
  bool leaf = true;
  bool dirty = true;
  std::uint32_t page = 0;  // 0: never written
  std::vector<std::string> keys;
  std::vector<std::string> values;              // leaf only, parallel to keys
  std::vector<std::unique_ptr<node>> children;  // branch only, keys.size() + 1
  std::size_t bytes = 0;                        // serialized payload size
};

struct btree::split {
  std::string separator;
  std::unique_ptr<node> right;
};

btree::btree(std::size_t page_size) : page_size_(page_size), root_(std::make_unique<node>()) {}
btree::~btree() = default;
btree::btree(btree&&) noexcept = default;
btree& btree::operator=(btree&&) noexcept = default;

std::optional<std::string_view> btree::find(std::string_view key) const {
  const node* n = root_.get();
  while (!n->leaf) {
    auto idx = std::upper_bound(n->keys.begin(), n->keys.end(), key) - n->keys.begin();
    n = n->children[static_cast<std::size_t>(idx)].get();
  }
  auto it = std::lower_bound(n->keys.begin(), n->keys.end(), key);
  if (it == n->keys.end() || *it != key) return std::nullopt;
  return std::string_view(n->values[static_cast<std::size_t>(it - n->keys.begin())]);
}

std::vector<btree::entry> btree::scan(std::string_view from, std::string_view to,
                                      std::size_t limit) const {
  std::vector<entry> out;
  std::function<bool(const node&)> walk = [&](const node& n) {
    if (n.leaf) {
      auto it = std::lower_bound(n.keys.begin(), n.keys.end(), from);
      for (; it != n.keys.end(); ++it) {
        if (!to.empty() && *it >= to) return false;
        if (out.size() >= limit) return false;
        out.emplace_back(*it, n.values[static_cast<std::size_t>(it - n.keys.begin())]);
      }
      return true;
    }
    // Children before the one that may hold `from` hold only smaller keys.
    auto first = static_cast<std::size_t>(
        std::upper_bound(n.keys.begin(), n.keys.end(), from) - n.keys.begin());
    for (std::size_t i = first; i < n.children.size(); ++i) {
      if (!walk(*n.children[i])) return false;
    }
    return true;
  };
  if (limit > 0) walk(*root_);
  return out;
}

void btree::put(std::string_view key, std::string_view value) {
  auto s = insert(*root_, key, value);
  if (s) {
    auto new_root = std::make_unique<node>();
    new_root->leaf = false;
    new_root->bytes = 4 + branch_entry_size(s->separator.size());
    new_root->keys.push_back(std::move(s->separator));
    new_root->children.push_back(std::move(root_));
    new_root->children.push_back(std::move(s->right));
    root_ = std::move(new_root);
  }
}

std::optional<btree::split> btree::insert(node& n, std::string_view key, std::string_view value) {
  n.dirty = true;
  if (n.leaf) {
    auto it = std::lower_bound(n.keys.begin(), n.keys.end(), key);
    auto pos = static_cast<std::size_t>(it - n.keys.begin());
    if (it != n.keys.end() && *it == key) {
      n.bytes = n.bytes - n.values[pos].size() + value.size();
      n.values[pos].assign(value);
    } else {
      n.keys.emplace(it, key);
      n.values.emplace(n.values.begin() + static_cast<long>(pos), value);
      n.bytes += leaf_entry_size(key.size(), value.size());
      ++count_;
    }
  } else {
    if (n.bytes == 0) n.bytes = 4;
    auto idx = static_cast<std::size_t>(
        std::upper_bound(n.keys.begin(), n.keys.end(), key) - n.keys.begin());
    if (auto s = insert(*n.children[idx], key, value)) {
      n.bytes += branch_entry_size(s->separator.size());
      n.keys.insert(n.keys.begin() + static_cast<long>(idx), std::move(s->separator));
      n.children.insert(n.children.begin() + static_cast<long>(idx) + 1, std::move(s->right));
    }
  }
  if (n.bytes <= capacity()) return std::nullopt;

  // Split by bytes, about half each; both halves keep at least one entry.
  auto right = std::make_unique<node>();
  right->leaf = n.leaf;
  split s;
  if (n.leaf) {
    std::size_t acc = 0, m = 0;
    while (m < n.keys.size() - 1 && acc < n.bytes / 2) {
      acc += leaf_entry_size(n.keys[m].size(), n.values[m].size());
      ++m;
    }
    m = std::max<std::size_t>(m, 1);
    for (std::size_t i = m; i < n.keys.size(); ++i) {
      right->bytes += leaf_entry_size(n.keys[i].size(), n.values[i].size());
      right->keys.push_back(std::move(n.keys[i]));
      right->values.push_back(std::move(n.values[i]));
    }
    n.keys.resize(m);
    n.values.resize(m);
    n.bytes -= right->bytes;
    s.separator = right->keys.front();
  } else {
    std::size_t acc = 4, m = 0;
    while (m < n.keys.size() - 2 && acc < n.bytes / 2) {
      acc += branch_entry_size(n.keys[m].size());
      ++m;
    }
    m = std::max<std::size_t>(m, 1);
    s.separator = std::move(n.keys[m]);
    right->bytes = 4;
    right->children.push_back(std::move(n.children[m + 1]));
    for (std::size_t i = m + 1; i < n.keys.size(); ++i) {
      right->bytes += branch_entry_size(n.keys[i].size());
      right->keys.push_back(std::move(n.keys[i]));
      right->children.push_back(std::move(n.children[i + 1]));
    }
    n.keys.resize(m);
    n.children.resize(m + 1);
    n.bytes = 4;
    for (const auto& k : n.keys) n.bytes += branch_entry_size(k.size());
  }
  s.right = std::move(right);
  return s;
}

bool btree::erase(std::string_view key) {
  if (!erase_from(*root_, key)) return false;
  // A root branch left with one child hands the root to it.
  while (!root_->leaf && root_->children.size() == 1) {
    if (root_->page) orphaned_.push_back(root_->page);
    root_ = std::move(root_->children.front());
    root_->dirty = true;
  }
  return true;
}

bool btree::erase_from(node& n, std::string_view key) {
  if (n.leaf) {
    auto it = std::lower_bound(n.keys.begin(), n.keys.end(), key);
    if (it == n.keys.end() || *it != key) return false;
    auto pos = static_cast<std::size_t>(it - n.keys.begin());
    n.bytes -= leaf_entry_size(n.keys[pos].size(), n.values[pos].size());
    n.keys.erase(it);
    n.values.erase(n.values.begin() + static_cast<long>(pos));
    n.dirty = true;
    --count_;
    return true;
  }
  auto idx = static_cast<std::size_t>(
      std::upper_bound(n.keys.begin(), n.keys.end(), key) - n.keys.begin());
  node& child = *n.children[idx];
  if (!erase_from(child, key)) return false;
  n.dirty = true;
  bool empty = child.leaf ? child.keys.empty() : child.children.empty();
  if (empty && n.children.size() > 1) {
    if (child.page) orphaned_.push_back(child.page);
    n.children.erase(n.children.begin() + static_cast<long>(idx));
    auto k = n.keys.begin() + static_cast<long>(idx == 0 ? 0 : idx - 1);
    n.bytes -= branch_entry_size(k->size());
    n.keys.erase(k);
  }
  return true;
}

bool btree::dirty() const noexcept { return root_->dirty || !orphaned_.empty(); }

std::uint32_t btree::flush(std::uint64_t lsn, const std::function<std::uint32_t()>& allocate,
                           const std::function<void(std::uint32_t)>& freed,
                           const page_writer& write) {
  for (auto p : orphaned_) freed(p);
  orphaned_.clear();
  std::vector<unsigned char> buffer(page_size_);
  return flush_node(*root_, lsn, allocate, freed, write, buffer);
}

std::uint32_t btree::flush_node(node& n, std::uint64_t lsn,
                                const std::function<std::uint32_t()>& allocate,
                                const std::function<void(std::uint32_t)>& freed,
                                const page_writer& write, std::vector<unsigned char>& buffer) {
  if (!n.dirty) return n.page;
  std::vector<std::uint32_t> child_pages;
  for (auto& c : n.children) {
    child_pages.push_back(flush_node(*c, lsn, allocate, freed, write, buffer));
  }
  if (n.page) freed(n.page);
  n.page = allocate();

  std::fill(buffer.begin(), buffer.end(), 0);
  unsigned char* p = buffer.data() + page_header_size;
  if (n.leaf) {
    for (std::size_t i = 0; i < n.keys.size(); ++i) {
      store_le<std::uint16_t>(p, static_cast<std::uint16_t>(n.keys[i].size()));
      store_le<std::uint32_t>(p + 2, static_cast<std::uint32_t>(n.values[i].size()));
      p += 6;
      std::memcpy(p, n.keys[i].data(), n.keys[i].size());
      p += n.keys[i].size();
      std::memcpy(p, n.values[i].data(), n.values[i].size());
      p += n.values[i].size();
    }
  } else {
    store_le<std::uint32_t>(p, child_pages[0]);
    p += 4;
    for (std::size_t i = 0; i < n.keys.size(); ++i) {
      store_le<std::uint16_t>(p, static_cast<std::uint16_t>(n.keys[i].size()));
      p += 2;
      std::memcpy(p, n.keys[i].data(), n.keys[i].size());
      p += n.keys[i].size();
      store_le<std::uint32_t>(p, child_pages[i + 1]);
      p += 4;
    }
  }
  seal_page(buffer.data(), page_size_,
            {n.page, lsn, n.leaf ? page_type::leaf : page_type::branch,
             static_cast<std::uint16_t>(n.keys.size())});
  write(n.page, buffer.data());
  n.dirty = false;
  return n.page;
}

btree btree::load(std::size_t page_size, std::uint32_t root, const page_reader& read,
                  std::vector<std::uint32_t>& pages_in_use, boost::system::error_code& ec) {
  btree t(page_size);
  std::size_t count = 0;
  auto n = load_node(page_size, root, read, 0, pages_in_use, count, ec);
  if (ec) return t;
  t.root_ = std::move(n);
  t.count_ = count;
  return t;
}

std::unique_ptr<btree::node> btree::load_node(std::size_t page_size, std::uint32_t page_no,
                                              const page_reader& read, int depth,
                                              std::vector<std::uint32_t>& pages,
                                              std::size_t& count, boost::system::error_code& ec) {
  if (depth > max_depth) {
    ec = jet_errc::database_corrupted;
    return nullptr;
  }
  const unsigned char* page = read(page_no, ec);
  if (ec) return nullptr;
  pages.push_back(page_no);
  auto info = read_page_info(page);
  auto n = std::make_unique<node>();
  n->page = page_no;
  n->dirty = false;
  byte_reader in(page + page_header_size, page_size - page_header_size);
  auto corrupt = [&] {
    ec = jet_errc::database_corrupted;
    return nullptr;
  };
  if (info.type == page_type::leaf) {
    for (std::uint16_t i = 0; i < info.count; ++i) {
      std::uint16_t klen;
      std::uint32_t vlen;
      std::string k, v;
      if (!in.number(klen) || !in.number(vlen) || !in.bytes(klen, k) || !in.bytes(vlen, v)) {
        return corrupt();
      }
      if (!n->keys.empty() && k <= n->keys.back()) return corrupt();
      n->bytes += leaf_entry_size(klen, vlen);
      n->keys.push_back(std::move(k));
      n->values.push_back(std::move(v));
    }
    count += info.count;
    return n;
  }
  if (info.type != page_type::branch) return corrupt();
  n->leaf = false;
  std::uint32_t child;
  if (!in.number(child)) return corrupt();
  std::vector<std::uint32_t> child_pages{child};
  n->bytes = 4;
  for (std::uint16_t i = 0; i < info.count; ++i) {
    std::uint16_t klen;
    std::string k;
    if (!in.number(klen) || !in.bytes(klen, k) || !in.number(child)) return corrupt();
    n->bytes += branch_entry_size(klen);
    n->keys.push_back(std::move(k));
    child_pages.push_back(child);
  }
  for (auto c : child_pages) {
    auto loaded = load_node(page_size, c, read, depth + 1, pages, count, ec);
    if (ec) return nullptr;
    n->children.push_back(std::move(loaded));
  }
  return n;
}

}  // namespace jetstrand::storage
