#pragma once
// One command of a program (`jetstrand serve`, `jetstrand-bench abort`): the options and
// operands it accepts, parsed with Boost.Program_options, and the --help made from them.

#include "command_line/option_values.hpp"
#include "command_line/usage_error.hpp"

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace jetstrand::command_line {

class command {
 public:
  // usage: the synopsis printed after "usage: " ("jetstrand list LOCATION [--json]");
  // about: what the command does, printed before the options; notes: after them.
  command(std::string usage, std::string about, std::string notes = {});

  // Declares options as Boost.Program_options does: ("name", value, "what it does"), with the
  // values of option_values.hpp. -h/--help is declared already. A default given with
  // default_value(v, "text") is shown in the help as (=text).
  po::options_description_easy_init options() { return options_.add_options(); }

  // Accepts up to `max` operands (arguments that are not options).
  void takes_operands(std::size_t max) { max_operands_ = max; }

  // Parses the arguments after the command's name. Returns false if --help or -h was given
  // (the help went to `out`, nothing else was checked). Throws usage_error for an unknown or
  // abbreviated option, a missing or malformed value, an option given twice or too many
  // operands; "--name value" and "--name=value" are both accepted.
  bool parse(std::span<char* const> args, std::ostream& out);

  // Whether the option was on the command line (a default does not count).
  bool given(const std::string& name) const;
  // The option's value, or its default; nullopt if it has neither.
  template <class T>
  std::optional<T> find(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.empty()) return std::nullopt;
    return it->second.as<T>();
  }
  // The value of an option declared with a default (a logic_error if it has none).
  template <class T>
  T get(const std::string& name) const {
    auto v = find<T>(name);
    if (!v) throw std::logic_error("option --" + name + " has no value and no default");
    return *v;
  }
  const std::vector<std::string>& operands() const { return operands_; }

  std::string help() const;

 private:
  std::string usage_, about_, notes_;
  po::options_description options_;
  std::size_t max_operands_ = 0;
  po::variables_map values_;
  std::vector<std::string> operands_;
};

}  // namespace jetstrand::command_line
