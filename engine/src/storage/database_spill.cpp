// database_file: spilling dirty leaves between checkpoints (see spill() in the header).
#include "storage/database_file.hpp"

#include "storage/byte_io.hpp"
#include "storage/node_page.hpp"
#include "storage/page.hpp"

#include <boost/asio/bind_executor.hpp>

#include <array>

namespace jetstrand::storage {
namespace {
using boost::system::error_code;

// A leaf naming a long value that has no pages yet: the checkpoint writes the two together.
bool holds_unwritten_long(const unsigned char* leaf) noexcept {
  const auto count = entry_count(leaf);
  for (std::size_t i = 0; i < count; ++i) {
    const auto e = leaf_at(leaf, i);
    if (e.is_long && decode_long_ref(e.value).first_page >= provisional_base) return true;
  }
  return false;
}
}  // namespace

std::size_t database_file::spill(done_handler done) {
  if (failed_ || spill_in_flight_ || header_.root < provisional_base) return 0;
  // Every dirty page's parent is dirty (a change copies the whole path), so the dirty
  // leaves are all below the dirty branches from the root.
  if (node_type(cache_.peek(space_, header_.root)->data()) != page_type::branch) return 0;
  auto pages = std::make_shared<std::vector<std::uint32_t>>();
  std::vector<const unsigned char*> bytes;
  spill_children(header_.root, applied_lsn_, *pages, bytes);
  if (pages->empty()) return 0;
  spill_in_flight_ = true;
  // Each page is written from the cache itself, no copy: it stays pinned until it lands, and
  // if the tree lets go of it meanwhile, release() parks its bytes until then. (Copies, even
  // short-lived, left the allocator's arenas fragmented: tens of MiB more resident.)
  // All in one task on the file layer's threads: one hand-off for the whole spill rather
  // than a thread woken per page (which cost more than the writes), and pages that follow
  // each other on disk (a growing file's) go out in one pwritev.
  //
  // Each page's checksum is computed there too, just before the write, and written from a
  // buffer of its own: the strand's thread (a blocking caller's) is spared a CRC32C per
  // page. The cached copy keeps its old first four bytes, which nothing reads: a page's
  // checksum is checked only on bytes read from the disk, and a dirty copy is sealed anew.
  const auto ps = page_size();
  auto checksums = std::make_shared<std::vector<std::array<unsigned char, 4>>>(pages->size());
  std::vector<io::write_piece> pieces;
  pieces.reserve(2 * pages->size());
  for (std::size_t i = 0; i < pages->size(); ++i) {
    const auto at = std::uint64_t{(*pages)[i]} * ps;
    pieces.push_back({at, (*checksums)[i].data(), 4});
    pieces.push_back({at + 4, bytes[i] + 4, ps - 4});
  }
  auto sum = [checksums, bytes = std::move(bytes), ps] {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      store_le<std::uint32_t>((*checksums)[i].data(), page_checksum(bytes[i], ps));
    }
  };
  const auto count = pages->size();
  auto landed = [this, pages, checksums, done = std::move(done)](error_code ec) {
    spill_landed(*pages, ec);
    done(ec);
  };
  file_.async_write_pieces(std::move(pieces), std::move(sum), boost::asio::bind_executor(strand_, std::move(landed)));
  return count;
}

void database_file::spill_children(std::uint32_t branch_no, std::uint64_t lsn,
                                   std::vector<std::uint32_t>& pages, std::vector<const unsigned char*>& bytes) {
  const auto ps = page_size();
  unsigned char* branch = cache_.peek(space_, branch_no)->data();
  const auto count = entry_count(branch);
  for (std::size_t i = 0; i <= count; ++i) {
    const auto child = branch_child(branch, i);
    if (child < provisional_base) continue;  // clean: nothing dirty below it
    unsigned char* data = cache_.peek(space_, child)->data();  // dirty pages stay resident
    if (node_type(data) == page_type::branch) {
      spill_children(child, lsn, pages, bytes);
      continue;
    }
    if (holds_unwritten_long(data)) continue;
    const auto real = allocate_page();
    stamp_page(data, {real, lsn, page_type::leaf, entry_count(data)});  // the checksum: see spill()
    auto* clean = cache_.insert(space_, real, cache_.take(space_, child), ps, false);
    cache_.pin(*clean);  // not evicted before its write lands: the disk has older bytes
    set_branch_child(branch, i, real);
    spilled_.insert(real);
    spill_writing_.insert(real);
    pages.push_back(real);
    bytes.push_back(data);
    --dirty_;
  }
}

void database_file::spill_landed(const std::vector<std::uint32_t>& pages, error_code ec) {
  spill_in_flight_ = false;
  spill_writing_.clear();
  parked_.clear();
  if (ec) {
    // As after a failed checkpoint: the tree names pages the disk may not hold, so they
    // stay pinned and no later header is written; recovery rebuilds it at reopen.
    if (!failed_) failed_ = ec;
  } else {
    for (auto p : pages) {
      if (auto* pg = cache_.peek(space_, p)) cache_.unpin(*pg);
    }
  }
  auto waiters = std::move(after_spills_);
  after_spills_.clear();
  for (auto& w : waiters) w();
}

}  // namespace jetstrand::storage
