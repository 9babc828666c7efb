#pragma once

#include "jetstrand/storage_options.hpp"
// An ordered map of byte strings as a B+tree whose nodes are sized to fit one page each.
//
// The whole tree lives in memory (loaded when the database is attached); pages on disk are
// its durable form. Nodes changed since the last flush are dirty; flush() writes them
// copy-on-write: every dirty node goes to a newly allocated page, children before parents,
// and the pages they used before are reported as freed. Deletion removes empty nodes but
// does not merge underfull ones.

#include "storage/page.hpp"

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jetstrand::storage {

inline constexpr std::size_t max_key_size = 255;
// Values are at most jetstrand::max_value_size(page_size) (storage_options.hpp): a quarter
// of a page less its header, so that any leaf can be split into two that fit.
using jetstrand::max_value_size;
static_assert(jetstrand::max_value_size(8192) == (8192 - page_header_size) / 4,
              "storage_options.hpp's max_value_size must use the page header's size");

class btree {
 public:
  using entry = std::pair<std::string, std::string>;
  using page_reader = std::function<const unsigned char*(std::uint32_t page_no,
                                                         boost::system::error_code& ec)>;
  using page_writer = std::function<void(std::uint32_t page_no, const unsigned char* page)>;

  explicit btree(std::size_t page_size);
  ~btree();
  btree(btree&&) noexcept;
  btree& operator=(btree&&) noexcept;

  // Rebuilds the tree rooted at `root` from pages that `read` returns verified. Errors:
  // whatever `read` reports, or -1206 for a page that verifies but does not parse.
  static btree load(std::size_t page_size, std::uint32_t root, const page_reader& read,
                    std::vector<std::uint32_t>& pages_in_use, boost::system::error_code& ec);

  std::optional<std::string_view> find(std::string_view key) const;
  // Entries with from <= key < to (to empty: no upper bound), at most `limit` of them.
  std::vector<entry> scan(std::string_view from, std::string_view to, std::size_t limit) const;
  std::size_t size() const noexcept { return count_; }

  // Keys of 1..max_key_size bytes, values up to max_value_size (checked by the caller).
  void put(std::string_view key, std::string_view value);
  bool erase(std::string_view key);

  bool dirty() const noexcept;

  // Writes every dirty node (see above). `allocate` gives a fresh page number, `freed`
  // receives the pages no longer referenced once this flush is durable. Returns the root's
  // page number.
  std::uint32_t flush(std::uint64_t lsn, const std::function<std::uint32_t()>& allocate,
                      const std::function<void(std::uint32_t)>& freed, const page_writer& write);

 private:
  struct node;
  struct split;
  std::optional<split> insert(node& n, std::string_view key, std::string_view value);
  bool erase_from(node& n, std::string_view key);
  std::uint32_t flush_node(node& n, std::uint64_t lsn, const std::function<std::uint32_t()>& allocate,
                           const std::function<void(std::uint32_t)>& freed, const page_writer& write,
                           std::vector<unsigned char>& buffer);
  static std::unique_ptr<node> load_node(std::size_t page_size, std::uint32_t page_no,
                                         const page_reader& read, int depth,
                                         std::vector<std::uint32_t>& pages, std::size_t& count,
                                         boost::system::error_code& ec);
  std::size_t capacity() const noexcept { return page_size_ - page_header_size; }

  std::size_t page_size_;
  std::unique_ptr<node> root_;
  std::size_t count_ = 0;
  std::vector<std::uint32_t> orphaned_;  // pages of nodes removed since the last flush
};

}  // namespace jetstrand::storage
