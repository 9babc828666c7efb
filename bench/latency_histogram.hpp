#pragma once
// Latencies counted in a fixed array, whatever the number of operations: the storage bench
// reports each system's resident memory, and a sample per operation (one double each, 21 MiB
// for a 3-second run at 900k gets/s) counted the bench's own bookkeeping in that figure.
//
// Buckets are exact below 128 ns and then 64 per power of two, as HdrHistogram's are with
// two significant digits: a percentile is reported as its bucket's midpoint, within 0.8%
// of the latency measured. 3,776 counters (30 KiB) cover every 64-bit count of nanoseconds.

#include <array>
#include <bit>
#include <cstdint>

namespace jetstrand::bench {

class latency_histogram {
 public:
  void record_ns(std::uint64_t ns) noexcept {
    ++counts_[index_of(ns)];
    ++total_;
  }

  void merge(const latency_histogram& other) noexcept {
    for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
  }

  std::uint64_t count() const noexcept { return total_; }

  // The latency at or below which a fraction p (0..1) of the operations fall, in µs (the
  // sample of rank p × (count − 1), counted from 0, as a sorted vector would give it); 0 when
  // nothing was recorded.
  double percentile_us(double p) const noexcept {
    if (total_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(p * static_cast<double>(total_ - 1));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen > rank) return midpoint_ns(i) / 1e3;
    }
    return midpoint_ns(bucket_count - 1) / 1e3;
  }

 private:
  static constexpr unsigned exact = 128;      // below this, one bucket per nanosecond
  static constexpr unsigned per_octave = 64;  // above it, this many per power of two
  static constexpr std::size_t bucket_count = exact + (64 - 7) * per_octave;

  static std::size_t index_of(std::uint64_t ns) noexcept {
    if (ns < exact) return static_cast<std::size_t>(ns);
    const unsigned shift = static_cast<unsigned>(std::bit_width(ns)) - 7;  // keeps the top 7 bits: 64..127
    return exact + (shift - 1) * per_octave + static_cast<std::size_t>((ns >> shift) - per_octave);
  }
  // The middle of the nanoseconds bucket i holds.
  static double midpoint_ns(std::size_t i) noexcept {
    if (i < exact) return static_cast<double>(i);
    const std::size_t shift = (i - exact) / per_octave + 1;
    const double low = static_cast<double>(((i - exact) % per_octave + per_octave) << shift);
    return low + static_cast<double>(std::uint64_t{1} << shift) / 2;
  }

  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t total_ = 0;
};

}  // namespace jetstrand::bench
