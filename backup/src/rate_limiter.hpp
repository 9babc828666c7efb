#pragma once
// The backup's read rate limit (max_rate, bytes per second; 0 = unlimited), shared by every
// read of one backup, with no I/O or clock of its own: the caller says what time it is.
// Each chunk reserves its bytes before it is read and waits until its turn, so the reads of
// all files together never go faster than the limit (no credit builds up while idle: a
// paused backup does not burst when it resumes).

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace jetstrand::backup {

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  std::uint64_t rate() const noexcept { return rate_; }

  // A new limit applies from `now` on (what earlier reservations wait for is not changed).
  void set_rate(std::uint64_t bytes_per_second, clock::time_point now) noexcept {
    rate_ = bytes_per_second;
    next_free_ = now;
  }

  // Reserves `bytes`: how long to wait before reading them (zero when unlimited).
  clock::duration reserve(std::size_t bytes, clock::time_point now) noexcept {
    if (rate_ == 0) return clock::duration::zero();
    const auto start = next_free_ > now ? next_free_ : now;
    const auto cost = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(rate_)));
    next_free_ = start + cost;
    return start - now;
  }

 private:
  std::uint64_t rate_ = 0;
  clock::time_point next_free_{};
};

}  // namespace jetstrand::backup
