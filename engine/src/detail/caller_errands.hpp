#pragma once
// Work that a jetstrand::blocking call's own thread does for the call outside the strand:
// the page reads of a call that misses the cache (database_file::fetch; a get leaves all
// its misses to it, a scan or a commit those the OS page cache does not hold).
//
// A waiting thread has nothing else to do, and while it reads, the strand is free for the
// instance's other callers: two threads getting cold keys from one instance then read in
// parallel, as they would from RocksDB, where on the strand their reads took turns. An
// errand is asked for only inside a strand turn that runs on a waiting caller's thread
// (detail/caller_turn.hpp); after that turn, async_on_strand runs the errands on the same
// thread, and dispatches what each returns (its landing) back to the strand, where it may
// ask for more. Each errand is always run and its landing always dispatched, so an
// operation that waits for one is never left waiting, unless the errand returns none: it
// then answered its operation itself and left its landing where the instance's next turns
// find it (database_file::fetch's `answer`). Another operation resumed in such a
// turn (it waited for the same page) may hand its next read to this thread too: it is done
// the same way, and the thread returns once nothing is left.

#include <functional>
#include <optional>

namespace jetstrand::detail {

class caller_errands {
 public:
  using landing = std::function<void()>;  // runs on the strand; empty: nothing to run
  using errand = std::function<landing()>;  // runs on the waiting caller's thread, off the strand

  // True inside a strand turn that runs on a thread waiting for its call, which will run
  // the errands added now right after the turn.
  static bool here() noexcept;
  static void add(errand e);
  // The next errand of this thread, oldest first.
  static std::optional<errand> next();

  // Marks the strand turn that runs on a waiting caller's thread (caller_turn_executor).
  class turn_scope {
   public:
    turn_scope() noexcept;
    ~turn_scope();
    turn_scope(const turn_scope&) = delete;
    turn_scope& operator=(const turn_scope&) = delete;

   private:
    bool outer_;
  };
};

}  // namespace jetstrand::detail
