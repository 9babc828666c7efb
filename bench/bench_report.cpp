#include "bench_report.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>

namespace jetstrand::bench {

latency_summary summarize(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  auto rank = [&](double p) {
    auto i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
  };
  return {rank(0.50), rank(0.99), v.back()};
}

report::~report() {
  if (table_) print_tables(std::cout, lines_);
}

void report::add(boost::json::object line) {
  if (!table_) std::cout << boost::json::serialize(line) << std::endl;
  lines_.push_back(std::move(line));
}

namespace {
std::string cell(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_double()) {
    const double d = v.get_double();
    char buf[32];
    std::snprintf(buf, sizeof buf, std::fabs(d) >= 100 ? "%.0f" : std::fabs(d) >= 10 ? "%.1f" : "%.3g", d);
    return buf;
  }
  if (v.is_null()) return "";
  return boost::json::serialize(v);
}
}  // namespace

void print_tables(std::ostream& out, const std::vector<boost::json::object>& lines) {
  std::vector<std::string> benches;
  for (const auto& l : lines) {
    auto b = cell(l.contains("bench") ? l.at("bench") : boost::json::value{});
    if (std::find(benches.begin(), benches.end(), b) == benches.end()) benches.push_back(b);
  }
  for (const auto& b : benches) {
    std::vector<std::string> cols;
    for (const auto& l : lines) {
      if (cell(l.contains("bench") ? l.at("bench") : boost::json::value{}) != b) continue;
      for (const auto& kv : l) {
        std::string k(kv.key());
        if (k != "bench" && std::find(cols.begin(), cols.end(), k) == cols.end()) cols.push_back(k);
      }
    }
    out << "\n**" << b << "**\n\n|";
    for (const auto& c : cols) out << ' ' << c << " |";
    out << "\n|";
    for (std::size_t i = 0; i < cols.size(); ++i) out << "---|";
    out << '\n';
    for (const auto& l : lines) {
      if (cell(l.contains("bench") ? l.at("bench") : boost::json::value{}) != b) continue;
      out << '|';
      for (const auto& c : cols) out << ' ' << (l.contains(c) ? cell(l.at(c)) : "") << " |";
      out << '\n';
    }
  }
}

}  // namespace jetstrand::bench
