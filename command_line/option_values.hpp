#pragma once
// Option values as people write them — sizes ("64M", "1.5G"), numbers in a range, seconds,
// one of a few words, comma-separated lists — for Boost.Program_options. A token that does
// not parse is a usage error that names the option, the token and what was expected:
// "--threads 0: expected 1 to 64".

#include <boost/program_options/errors.hpp>
#include <boost/program_options/value_semantic.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jetstrand::command_line {
namespace po = boost::program_options;

// A size: "256M", "1G", "512KiB", "1.5G", "4096" (bytes). Units are powers of 1024 (K, M, G,
// T, with an optional "iB" or "B"). nullopt if it does not parse.
std::optional<std::uint64_t> parse_size(std::string_view text);

// Splits "a,b,c" at the commas (an empty text is one empty item).
std::vector<std::string_view> split_list(std::string_view text);

// A value turned from its one token by `parse`. A token `parse` refuses (nullopt) throws
// "--NAME TOKEN: expected EXPECTED"; a second occurrence of the option is refused too.
template <class T>
class checked_value final : public po::typed_value<T> {
 public:
  using parser = std::function<std::optional<T>(std::string_view)>;

  checked_value(parser parse, std::string expected)
      : po::typed_value<T>(nullptr), parse_(std::move(parse)), expected_(std::move(expected)) {}

  void xparse(boost::any& store, const std::vector<std::string>& tokens) const override {
    if (!store.empty()) throw po::multiple_occurrences();
    const std::string token = tokens.empty() ? std::string() : tokens.front();
    auto value = parse_(token);
    if (!value) {
      po::error_with_option_name e("%canonical_option% %token%: expected " + expected_);
      e.set_substitute("token", token);
      throw e;
    }
    store = std::move(*value);
  }

 private:
  parser parse_;
  std::string expected_;
};

template <class T>
checked_value<T>* checked(typename checked_value<T>::parser parse, std::string expected, const char* value_name) {
  auto* v = new checked_value<T>(std::move(parse), std::move(expected));
  v->value_name(value_name);
  return v;
}

// Free text, shown as NAME in the help (a path, a URL, a token).
po::typed_value<std::string>* text(const char* name);
// Several occurrences, each kept: --from A --from B.
po::typed_value<std::vector<std::string>>* repeated_text(const char* name);
// A flag: present or not.
po::typed_value<bool>* flag();
// A size (SIZE) of at least `at_least` bytes.
po::typed_value<std::uint64_t>* size(std::uint64_t at_least = 0);
// A whole number (N) from `min` to `max`.
po::typed_value<long long>* number(long long min, long long max);
// Seconds (SECONDS), fractions allowed, from `min` to `max`.
po::typed_value<double>* seconds(double min, double max);
// One of `words`, shown as `name` (e.g. LEVEL).
po::typed_value<std::string>* one_of(std::vector<std::string> words, const char* name);
// Positive whole numbers separated by commas (LIST): "1,4,16".
po::typed_value<std::vector<long long>>* numbers();
// Some of `words` separated by commas (LIST): "on,off".
po::typed_value<std::vector<std::string>>* some_of(std::vector<std::string> words);

}  // namespace jetstrand::command_line
