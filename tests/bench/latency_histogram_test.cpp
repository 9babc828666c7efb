// The storage bench's latency counts: percentiles as a sorted vector of the samples gives
// them, within the histogram's stated precision (0.8%), from a fixed array.
#include "latency_histogram.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

using jetstrand::bench::latency_histogram;

namespace {

double sorted_percentile_us(std::vector<std::uint64_t> ns, double p) {
  std::sort(ns.begin(), ns.end());
  return static_cast<double>(ns[static_cast<std::size_t>(p * static_cast<double>(ns.size() - 1))]) / 1e3;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(latency_histogram_suite)

BOOST_AUTO_TEST_CASE(nothing_recorded_reads_zero) {
  latency_histogram h;
  BOOST_TEST(h.count() == 0u);
  BOOST_TEST(h.percentile_us(0.99) == 0.0);
}

BOOST_AUTO_TEST_CASE(short_latencies_are_exact) {
  latency_histogram h;
  for (std::uint64_t ns = 0; ns < 100; ++ns) h.record_ns(ns);
  BOOST_TEST(h.count() == 100u);
  BOOST_TEST(h.percentile_us(0.0) == 0.0);
  BOOST_TEST(h.percentile_us(0.5) == 0.049);  // rank 49 of 0..99
  BOOST_TEST(h.percentile_us(1.0) == 0.099);
}

BOOST_AUTO_TEST_CASE(percentiles_match_the_sorted_samples_within_the_stated_precision) {
  // Latencies over nine orders of magnitude, as a bench sees them: mostly µs, a tail of ms
  // and a few of seconds (a commit stuck behind a disk flush).
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> spread(8.0, 2.5);
  std::vector<std::uint64_t> samples;
  latency_histogram h;
  for (int i = 0; i < 200000; ++i) {
    const auto ns = static_cast<std::uint64_t>(std::min(spread(rng), 1e12));
    samples.push_back(ns);
    h.record_ns(ns);
  }
  for (double p : {0.0, 0.01, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    const double exact = sorted_percentile_us(samples, p);
    BOOST_TEST_CONTEXT("p" << p << ": sorted " << exact << " µs, histogram " << h.percentile_us(p) << " µs") {
      BOOST_TEST(h.percentile_us(p) >= exact * (1 - 0.008) - 0.001);
      BOOST_TEST(h.percentile_us(p) <= exact * (1 + 0.008) + 0.001);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_latency_at_either_edge_of_its_bucket_reads_within_the_precision) {
  // From 2^20 ns, buckets are 2^14 ns wide: the first and the last nanosecond of one, each
  // alone in a histogram, read back within 0.8% (a bucket's edge would be 1.6% off).
  for (std::uint64_t ns : {std::uint64_t{1} << 20, (std::uint64_t{1} << 20) + (1u << 14) - 1}) {
    latency_histogram h;
    h.record_ns(ns);
    const double us = static_cast<double>(ns) / 1e3;
    BOOST_TEST_CONTEXT(ns << " ns read as " << h.percentile_us(0.5) << " µs") {
      BOOST_TEST(h.percentile_us(0.5) >= us * (1 - 0.008));
      BOOST_TEST(h.percentile_us(0.5) <= us * (1 + 0.008));
    }
  }
}

BOOST_AUTO_TEST_CASE(the_largest_count_of_nanoseconds_has_a_bucket) {
  latency_histogram h;
  h.record_ns(UINT64_MAX);
  h.record_ns(1);
  BOOST_TEST(h.count() == 2u);
  BOOST_TEST(h.percentile_us(1.0) >= static_cast<double>(UINT64_MAX) / 1e3 * (1 - 0.008));
  BOOST_TEST(h.percentile_us(0.0) == 0.001);
}

BOOST_AUTO_TEST_CASE(merged_histograms_count_as_one) {
  // Threads count apart and merge at the end: the merge reads as one histogram of both.
  latency_histogram fast, slow, both;
  for (std::uint64_t i = 1; i <= 900; ++i) {
    fast.record_ns(1000 + i);
    both.record_ns(1000 + i);
  }
  for (std::uint64_t i = 1; i <= 100; ++i) {
    slow.record_ns(1000000 + i * 1000);
    both.record_ns(1000000 + i * 1000);
  }
  fast.merge(slow);
  BOOST_TEST(fast.count() == 1000u);
  for (double p : {0.5, 0.9, 0.95, 0.99}) BOOST_TEST(fast.percentile_us(p) == both.percentile_us(p));
  BOOST_TEST(fast.percentile_us(0.99) > 1000.0);  // the slow thread's tail shows
  BOOST_TEST(fast.percentile_us(0.5) < 2.0);
}

BOOST_AUTO_TEST_SUITE_END()
