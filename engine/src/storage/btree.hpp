#pragma once
// An ordered map of byte strings as a copy-on-write B+tree of slotted pages (node_page.hpp),
// whose pages live in the instance's page cache and on disk.
//
// The algorithms never read the disk. Every call works on resident pages only and says
// which page it lacks when it reaches one that is not (`missing`); the caller reads that
// page into the cache and calls again from the start, so nothing waits on the disk inside
// the tree and a strand never blocks. Changes (put, erase) require their whole path to be
// resident first (first_missing), and then run to the end in one call: a reader on the
// same strand sees a transaction's changes all or none.
//
// Copy-on-write: a page written by a checkpoint is never changed; the first change after it
// copies it to a new page (dirty until the next checkpoint) and releases the old one, which
// becomes free once the next checkpoint's header is durable. Deletes merge a node that falls
// under a quarter full with a sibling when the two fit in one page, so a database that
// shrinks gives its pages back.

#include "jetstrand/entries.hpp"
#include "jetstrand/storage_options.hpp"
#include "storage/node_page.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jetstrand::storage {

using jetstrand::max_key_size;

// What the tree needs from its database: resident pages, new pages, and releases.
class tree_pages {
 public:
  virtual ~tree_pages() = default;
  virtual std::size_t page_size() const noexcept = 0;
  // The resident page, or nullptr if it must be read first. Never touches the disk.
  virtual unsigned char* resident(std::uint32_t page_no) noexcept = 0;
  // A page the tree may change: itself if dirty, else a dirty copy on a new page (the old one
  // is released and `page_no` updated). Requires the page to be resident.
  virtual unsigned char* writable(std::uint32_t& page_no) = 0;
  // A new, zeroed, dirty page.
  virtual unsigned char* new_page(std::uint32_t& page_no) = 0;
  // A page (or a long value's run) no longer referenced by the tree.
  virtual void release(std::uint32_t page_no) = 0;
  virtual void release_long(const long_ref& ref) = 0;
};

class btree {
 public:
  // `root` is where the root's page number is kept (the database header): changes update it.
  btree(tree_pages& pages, std::uint32_t& root) : pages_(pages), root_(root) {}

  enum class outcome { found, absent, missing };

  struct value {
    bool is_long = false;
    std::string bytes;  // inline values
    long_ref ref;       // long values
  };
  // found (value set), absent, or missing (page set: read it and call again).
  outcome find(std::string_view key, value& out, std::uint32_t& page);
  // The same, the descent starting at `page`, the page a find() of `key` just reported
  // missing and that has been read since, with no change to the tree in between (the same
  // strand turn): the pages above it are not looked through again.
  outcome find_from(std::uint32_t page, std::string_view key, value& out, std::uint32_t& missing);

  // What a scan found, in key order, in the shape the caller returns it: a long value's
  // entry holds an empty value, and its reference is in `long_values` (by the entry's
  // index) for the caller to read. No vector of items in between: a scan's cost is mostly
  // allocations.
  struct scan_result {
    jetstrand::entries entries;
    std::vector<std::pair<std::size_t, long_ref>> long_values;
  };
  // Appends the entries with from <= key < to (to empty: no upper bound) of the leaf that
  // holds `from`, up to `limit` in `out.entries` altogether (keys_only: values left empty,
  // long ones not listed). `next` gets where the following leaf starts, or nullopt when
  // nothing can follow. missing: nothing appended, read `page`.
  outcome scan_leaf(std::string_view from, std::string_view to, std::size_t limit,
                    bool keys_only, scan_result& out, std::optional<std::string>& next,
                    std::uint32_t& page);

  // 0 when every page a change of `key` touches is resident (an erase also needs each
  // node's merge sibling); otherwise the first page that is not.
  std::uint32_t first_missing(std::string_view key, bool for_erase);
  // The pages first_missing checked (for pinning while more are read).
  void path_pages(std::string_view key, bool for_erase, std::vector<std::uint32_t>& out);
  // The root-to-leaf depth (1: the root is a leaf), from resident pages.
  std::size_t depth();

  // Require first_missing(key, ...) == 0 now. A replaced or erased long value is released.
  void put(std::string_view key, const value& v);
  bool erase(std::string_view key);

 private:
  struct step {
    std::uint32_t page;  // the branch
    std::size_t index;   // which child the path took
  };
  // The leaf that holds `key`, or nullptr with the first page not resident in `missing`.
  // `fence`, if given, gets the first key of the following leaf (when there is one).
  const unsigned char* leaf_for(std::string_view key, std::optional<std::string_view>* fence,
                                std::uint32_t& missing) {
    return leaf_below(root_, key, fence, missing);
  }
  const unsigned char* leaf_below(std::uint32_t page, std::string_view key,
                                  std::optional<std::string_view>* fence, std::uint32_t& missing);
  static void read_value(const leaf_entry& e, value& out);
  unsigned char* descend_writable(std::string_view key, std::vector<step>& path, std::uint32_t& leaf);
  void insert_into_parents(std::vector<step>& path, std::string separator, std::uint32_t right);
  void rebalance(std::vector<step>& path, std::uint32_t child);
  unsigned char* at(std::uint32_t page_no) noexcept { return pages_.resident(page_no); }

  tree_pages& pages_;
  std::uint32_t& root_;
};

// Sets child i (0..count) of a branch page in place.
void set_branch_child(unsigned char* page, std::size_t i, std::uint32_t child) noexcept;

}  // namespace jetstrand::storage
