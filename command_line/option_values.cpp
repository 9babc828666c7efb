#include "command_line/option_values.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace jetstrand::command_line {

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::size_t i = 0;
  double number = 0;
  bool digits = false, fraction = false;
  double scale = 1;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits = true;
      if (fraction) {
        scale /= 10;
        number += (c - '0') * scale;
      } else {
        number = number * 10 + (c - '0');
      }
    } else if (c == '.' && !fraction) {
      fraction = true;
    } else {
      break;
    }
  }
  if (!digits) return std::nullopt;
  auto unit = text.substr(i);
  double multiplier = 1;
  if (!unit.empty()) {
    switch (unit.front()) {
      case 'k': case 'K': multiplier = 1024.0; break;
      case 'm': case 'M': multiplier = 1024.0 * 1024; break;
      case 'g': case 'G': multiplier = 1024.0 * 1024 * 1024; break;
      case 't': case 'T': multiplier = 1024.0 * 1024 * 1024 * 1024; break;
      case 'b': case 'B': multiplier = 1; break;
      default: return std::nullopt;
    }
    auto rest = unit.substr(1);
    if (unit.front() == 'b' || unit.front() == 'B') {
      if (!rest.empty()) return std::nullopt;
    } else if (!rest.empty() && rest != "B" && rest != "iB" && rest != "b" && rest != "ib") {
      return std::nullopt;
    }
  }
  const double bytes = number * multiplier;
  // "1.1G" rounds down to whole bytes; "1.5" bytes is refused.
  if (bytes >= 18446744073709551615.0 || (multiplier == 1 && bytes != std::floor(bytes))) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> items;
  for (std::size_t at = 0;;) {
    const auto comma = text.find(',', at);
    items.push_back(text.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at));
    if (comma == std::string_view::npos) return items;
    at = comma + 1;
  }
}

namespace {

std::optional<long long> whole_number(std::string_view text) {
  long long n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

std::string listed(const std::vector<std::string>& words, const char* last_joint) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == words.size() ? last_joint : ", ") + words[i];
  }
  return out;
}

std::string human_size(std::uint64_t bytes) {
  static const char* const units[] = {"", "K", "M", "G", "T"};
  int u = 0;
  while (u < 4 && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++u;
  }
  return std::to_string(bytes) + units[u];
}

}  // namespace

po::typed_value<std::string>* text(const char* name) { return po::value<std::string>()->value_name(name); }

po::typed_value<std::vector<std::string>>* repeated_text(const char* name) {
  return po::value<std::vector<std::string>>()->value_name(name);
}

po::typed_value<bool>* flag() { return po::bool_switch(); }

po::typed_value<std::uint64_t>* size(std::uint64_t at_least) {
  return checked<std::uint64_t>(
      [at_least](std::string_view t) -> std::optional<std::uint64_t> {
        auto n = parse_size(t);
        if (!n || *n < at_least) return std::nullopt;
        return n;
      },
      at_least == 0 ? "a size such as 64K, 256M or 1.5G"
                    : "a size of at least " + human_size(at_least) + ", such as 64M or 2G",
      "SIZE");
}

po::typed_value<long long>* number(long long min, long long max) {
  return checked<long long>(
      [min, max](std::string_view t) -> std::optional<long long> {
        auto n = whole_number(t);
        if (!n || *n < min || *n > max) return std::nullopt;
        return n;
      },
      std::to_string(min) + " to " + std::to_string(max), "N");
}

po::typed_value<double>* seconds(double min, double max) {
  auto shown = [](double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
    return s;
  };
  return checked<double>(
      [min, max](std::string_view t) -> std::optional<double> {
        double v = 0;
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (t.empty() || ec != std::errc{} || end != t.data() + t.size() || !(v >= min && v <= max)) return std::nullopt;
        return v;
      },
      "seconds, " + shown(min) + " to " + shown(max), "SECONDS");
}

po::typed_value<std::string>* one_of(std::vector<std::string> words, const char* name) {
  auto expected = listed(words, " or ");
  return checked<std::string>(
      [words = std::move(words)](std::string_view t) -> std::optional<std::string> {
        for (const auto& w : words) {
          if (w == t) return w;
        }
        return std::nullopt;
      },
      std::move(expected), name);
}

po::typed_value<std::vector<long long>>* numbers() {
  return checked<std::vector<long long>>(
      [](std::string_view t) -> std::optional<std::vector<long long>> {
        std::vector<long long> out;
        for (auto item : split_list(t)) {
          auto n = whole_number(item);
          if (!n || *n < 1) return std::nullopt;
          out.push_back(*n);
        }
        return out;
      },
      "positive whole numbers separated by commas, such as 1,4,16", "LIST");
}

po::typed_value<std::vector<std::string>>* some_of(std::vector<std::string> words) {
  auto expected = listed(words, " or ") + ", or several of them separated by commas";
  return checked<std::vector<std::string>>(
      [words = std::move(words)](std::string_view t) -> std::optional<std::vector<std::string>> {
        std::vector<std::string> out;
        for (auto item : split_list(t)) {
          if (std::find(words.begin(), words.end(), item) == words.end()) return std::nullopt;
          out.emplace_back(item);
        }
        return out;
      },
      std::move(expected), "LIST");
}

}  // namespace jetstrand::command_line
