#pragma once
// Lets the threads that wait for calls on one instance (jetstrand::blocking) take the
// strand's turn one after the other on their own threads, instead of queueing behind each
// other on the strand.
//
// Without it, a second waiting caller that arrives while the first runs its turn inline
// (detail/caller_turn.hpp) finds the strand busy: its call queues, an io_context thread is
// woken to run it, and that thread wakes the caller with the answer. Two thread hand-offs,
// several µs each on a VM, for a call of one or two. With it, the second caller spins
// briefly until the first has left the strand, then finds it idle and runs its own turn
// inline.
//
// A hint, never a lock: it guards no state (the strand does), and a caller that could not
// get in within the spin goes on and queues on the strand as before. So nobody sleeps here,
// nothing can deadlock here, and a long turn (a scan of many entries) costs the next caller
// one spin (default_spin) at most. Only the entry is held: a call that waits for a page read
// leaves when its turn ends, and the next caller goes in while the read is in flight.

#include <atomic>
#include <chrono>

namespace jetstrand::detail {

class caller_turnstile {
 public:
  // Longer than a get's turn that copies a page from the OS page cache (a syscall, a copy
  // and a checksum: several µs); shorter than the two hand-offs queueing costs. A caller
  // behind a longer turn (a scan of many entries) queues rather than keep a core the holder
  // may need. Measured in the README's Storage section.
  static constexpr std::chrono::nanoseconds default_spin = std::chrono::microseconds(20);

  explicit caller_turnstile(std::chrono::nanoseconds spin = default_spin) noexcept : spin_(spin) {}

  // Tries to hold the turnstile for one entry to the strand; goes on without it after the
  // spin. A null turnstile: nothing to wait for.
  class pass {
   public:
    explicit pass(caller_turnstile* t) noexcept : t_(t && t->try_enter() ? t : nullptr) {}
    ~pass() {
      if (t_) t_->leave();
    }
    bool holds() const noexcept { return t_ != nullptr; }
    pass(const pass&) = delete;
    pass& operator=(const pass&) = delete;

   private:
    caller_turnstile* t_;
  };

  // True if this thread now holds it (then call leave()), false after spinning in vain.
  bool try_enter() noexcept;
  void leave() noexcept;

 private:
  const std::chrono::nanoseconds spin_;
  std::atomic<bool> taken_{false};
};

}  // namespace jetstrand::detail
