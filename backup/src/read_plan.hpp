#pragma once
// What one read call does next (SPEC §3, the read row's effect column), with no I/O in it,
// in the manner of Boost.MySQL's sans-io algorithms: the runner (read_chain.cpp) tells the
// plan what happened (a chunk landed, its pages checked out, a wait ended) and asks
// next(signals) what to do; the plan answers with one action, which the runner carries out
// before it asks again. Tested without I/O (tests/backup/read_plan_test.cpp).
//
// Up to `depth` chunks of one call are in flight at once (read-ahead within the caller's
// buffer): they are read and checked in any order and delivered in file order.
//
// The rules, in the order next() checks them:
// - a stop (in force or requested) finishes with -801 before anything else, also when
//   chunks have landed or been checked: they are dropped, never delivered (S7);
// - the buffer full or the file at its end finishes with success (0 bytes at the end);
// - the caller's cancellation finishes with operation_aborted, between chunks;
// - a database's leading header pages come from the pinned snapshot in memory;
// - the first chunk in file order is delivered once checked; an error of its read (I/O
//   error, -1022 for a short read: the file shrank, -1018 after `read_attempts` reads
//   whose pages failed the check) finishes the call there, with what came before it;
// - a landed database chunk is checked page by page; one that fails is read again;
// - under a rate limit a read may first wait; one wait at a time, and a stop ends it;
// - otherwise the next chunk of at most chunk_size (whole pages for a database) is read.

#include <boost/system/error_code.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace jetstrand::backup {

enum class read_action_kind {
  copy_headers,  // copy [offset, offset+size) from the pinned header pages, then copied()
  read,          // start reading [offset, offset+size) into chunk `slot`; landed() later
  wait,          // the rate limit: wait `delay` (or until woken), waited() later
  verify,        // check chunk `slot`'s pages ([offset, offset+size) of the file); verified()
  deliver,       // copy chunk `slot`'s `size` bytes to the caller's buffer, then copied()
  idle,          // nothing to do until landed(), verified() or waited()
  finish,        // complete the read call with `error` and the bytes delivered()
};
const char* to_string(read_action_kind k) noexcept;

struct read_action {
  read_action_kind kind = read_action_kind::finish;
  std::size_t slot = 0;  // read, verify, deliver: which chunk buffer
  std::uint64_t offset = 0;
  std::size_t size = 0;
  boost::system::error_code error;   // finish
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
  static constexpr std::size_t max_depth = 4;

  // Reads `buffer_size` bytes (or to the end of the file) from `position`, at most `depth`
  // chunks (1..max_depth) in flight.
  read_plan(read_file_facts file, std::uint64_t position, std::size_t buffer_size, std::size_t chunk_size,
            std::size_t depth = max_depth) noexcept;

  // The next action. Each one is a promise: the runner carries out a read, verify or wait
  // it was given (or calls pace() instead of a read), and calls copied() after a copy.
  read_action next(read_signals s) noexcept;

  // After copy_headers or deliver: the bytes are the caller's.
  void copied() noexcept;
  // Instead of the read next() just returned: the rate limit says to wait `delay` first.
  // Returns the wait to carry out.
  read_action pace(std::chrono::nanoseconds delay) noexcept;
  // What a read returned.
  void landed(std::size_t slot, boost::system::error_code ec, std::size_t got) noexcept;
  // Whether every page of a verified chunk checked out.
  void verified(std::size_t slot, bool pages_ok) noexcept;
  // The rate-limit wait is over (its time came, the rate changed, or it was woken).
  void waited() noexcept;

  // Under a rate-limit wait.
  bool pacing() const noexcept { return pacing_; }
  // Chunks read or checked by the runner right now.
  std::size_t in_flight() const noexcept;
  std::size_t delivered() const noexcept { return delivered_; }
  std::size_t depth() const noexcept { return depth_; }
  std::size_t chunk_capacity() const noexcept;  // the bytes of one chunk buffer

 private:
  enum class slot_state { free, to_read, to_read_paced, pacing, reading, landed, verifying, ready, failed };
  struct chunk {
    slot_state state = slot_state::free;
    std::uint64_t offset = 0;
    std::size_t size = 0;
    int bad_reads = 0;  // reads whose pages failed the check
    boost::system::error_code error;
  };

  read_action finish(boost::system::error_code ec) noexcept;
  static read_action idle() noexcept;
  read_action act(read_action_kind k, std::size_t slot) noexcept;
  chunk& head() noexcept { return chunks_[head_]; }

  read_file_facts file_;
  std::size_t chunk_size_;
  std::size_t depth_;
  std::uint64_t position_;    // the next byte to deliver
  std::uint64_t end_;         // where this call stops: the buffer full or the file's end
  std::uint64_t issued_to_;   // chunks cover [position_ or the headers' end, issued_to_)
  std::array<chunk, max_depth> chunks_{};
  std::size_t head_ = 0;      // the chunk to deliver next; the others follow it in file order
  std::size_t used_ = 0;      // chunks taken, from head_ on
  std::size_t delivered_ = 0;
  std::size_t last_read_ = 0;  // the chunk of the last read next() handed out
  std::size_t copying_ = 0;   // bytes of the copy_headers or deliver being carried out
  bool copying_headers_ = false;
  bool pacing_ = false;
};

}  // namespace jetstrand::backup
