#pragma once
// How every measurement reports: one JSON object per result line on stdout as it is
// measured, or with --table the same results as markdown tables (one per "bench") at the end.
// `jetstrand-bench table FILE` renders a file of such lines (what bench/run writes).

#include <boost/json/object.hpp>

#include <iosfwd>
#include <vector>

namespace jetstrand::bench {

struct latency_summary {
  double p50_us = 0;
  double p99_us = 0;
  double max_us = 0;
};

// Nearest-rank percentiles of `samples_us`; zeros when there are none.
latency_summary summarize(std::vector<double> samples_us);

class report {
 public:
  explicit report(bool table) : table_(table) {}
  ~report();  // prints the tables when asked for
  report(const report&) = delete;
  report& operator=(const report&) = delete;

  void add(boost::json::object line);

 private:
  bool table_;
  std::vector<boost::json::object> lines_;
};

// Markdown tables of `lines`, one per value of "bench", columns in first-seen order.
void print_tables(std::ostream& out, const std::vector<boost::json::object>& lines);

}  // namespace jetstrand::bench
