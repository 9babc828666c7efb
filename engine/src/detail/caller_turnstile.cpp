#include "detail/caller_turnstile.hpp"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace jetstrand::detail {
namespace {

void relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace

bool caller_turnstile::try_enter() noexcept {
  // Read before writing, so that spinners do not bounce the cache line.
  auto vacant_and_ours = [this] {
    return !taken_.load(std::memory_order_relaxed) && !taken_.exchange(true, std::memory_order_acquire);
  };
  if (vacant_and_ours()) return true;
  // Measured in time, not in pauses: a pause takes 3 to 150 cycles depending on the CPU.
  const auto give_up = std::chrono::steady_clock::now() + spin_;
  do {
    for (int i = 0; i < 16; ++i) {
      relax();
      if (vacant_and_ours()) return true;
    }
  } while (std::chrono::steady_clock::now() < give_up);
  return false;
}

void caller_turnstile::leave() noexcept { taken_.store(false, std::memory_order_release); }

}  // namespace jetstrand::detail
