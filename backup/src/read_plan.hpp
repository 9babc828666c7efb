#pragma once
// What one read call does next (SPEC §3, the read row's effect column), with no I/O in it,
// in the manner of Boost.MySQL's sans-io algorithms: the runner (read_chain.cpp) tells the
// plan what just happened, with whether a stop is in force and whether the caller
// cancelled, and the plan answers with the next action. Tested row by row without I/O
// (tests/backup/read_plan_test.cpp).
//
// The rules, in the order they are checked:
// - a stop (in force or requested) finishes with -801 before anything else, also when a
//   chunk has just landed: that chunk is dropped unverified and undelivered (S7);
// - the buffer full or the file at its end finishes with success (0 bytes at the end);
// - the caller's cancellation finishes with operation_aborted, between chunks;
// - a database's leading header pages come from the pinned snapshot in memory;
// - under a rate limit a read may first wait; a stop ends the wait at once with -801;
// - everything else is read in chunks of at most chunk_size (whole pages for a database),
//   each verified page by page (a database) and re-read up to `read_attempts` times before
//   -1018; a short read is -1022 (the file shrank); an I/O error finishes with it.

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace jetstrand::backup {

enum class read_action_kind {
  copy_headers,  // copy [offset, offset+size) from the pinned header pages, then copied()
  read,          // read [offset, offset+size) into the chain's chunk, then landed()
  wait,          // the rate limit: wait `delay` (or until woken), then waited()
  verify,        // check the chunk's pages ([offset, offset+size) of the file), then verified()
  deliver,       // copy the chunk's `size` bytes to the caller's buffer, then copied()
  finish,        // complete the read call with `error` and the bytes delivered()
};
const char* to_string(read_action_kind k) noexcept;

struct read_action {
  read_action_kind kind = read_action_kind::finish;
  std::uint64_t offset = 0;
  std::size_t size = 0;
  boost::system::error_code error;  // finish
  std::chrono::nanoseconds delay{};  // wait
  bool paced = false;                // read: its bytes are reserved under the rate limit already
};

// The file as a read sees it.
struct read_file_facts {
  bool database = false;            // pages are verified; reads are whole pages
  std::uint32_t page_size = 0;      // databases
  std::uint64_t size = 0;           // the bytes a backup copies (the snapshot's, for a database)
  std::uint64_t header_bytes = 0;   // leading bytes served from memory (a database's headers)
};

// What the runner learned since the last action.
struct read_signals {
  bool stopping = false;   // the backup is stopped, or a stop was requested
  bool cancelled = false;  // the caller's cancellation slot was emitted
};

class read_plan {
 public:
  static constexpr int read_attempts = 3;

  read_plan(read_file_facts file, std::size_t buffer_size, std::size_t chunk_size) noexcept
      : file_(file), buffer_size_(buffer_size), chunk_size_(chunk_size) {}

  // The first action, the file's position being `position`.
  read_action start(std::uint64_t position, read_signals s) noexcept;
  // After copy_headers or deliver: the bytes are the caller's; the position has advanced.
  read_action copied(std::uint64_t position, read_signals s) noexcept;
  // After read: what the read returned (the position has not moved).
  read_action landed(read_signals s, boost::system::error_code ec, std::size_t got) noexcept;
  // After verify: whether every page checked out.
  read_action verified(read_signals s, bool pages_ok) noexcept;
  // Instead of the read just planned: the rate limit says to wait `delay` first.
  read_action pace(std::chrono::nanoseconds delay) noexcept;
  // After wait (its time came, or the rate changed, or a stop woke it): the read, paced.
  read_action waited(read_signals s) noexcept;

  read_action_kind waiting_for() const noexcept { return last_.kind; }

  std::size_t delivered() const noexcept { return delivered_; }

 private:
  read_action next(std::uint64_t position, read_signals s) noexcept;
  read_action finish(boost::system::error_code ec) noexcept;

  read_file_facts file_;
  std::size_t buffer_size_;
  std::size_t chunk_size_;
  std::size_t delivered_ = 0;
  read_action last_;  // the action the runner is carrying out
  int attempts_ = 0;  // reads of the current chunk that failed verification
};

}  // namespace jetstrand::backup
