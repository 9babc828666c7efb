#include "command_line/command.hpp"

#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>

#include <ostream>
#include <sstream>

namespace jetstrand::command_line {

namespace {

// Wide enough for the prose around the options; an option whose name and default take more
// than 90 - 48 columns gets its description on the next line.
constexpr unsigned help_width = 90;
constexpr unsigned min_description_width = 48;

// Boost.Program_options pads wrapped lines: no trailing blanks in what we print.
std::string without_trailing_blanks(const std::string& text) {
  std::string out;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\n') {
      auto end = text.find_last_not_of(' ', i == 0 ? 0 : i - 1);
      out.append(text, line_start, end == std::string::npos || end < line_start ? 0 : end + 1 - line_start);
      if (i < text.size()) out += '\n';
      line_start = i + 1;
    }
  }
  return out;
}

}  // namespace

command::command(std::string usage, std::string about, std::string notes)
    : usage_(std::move(usage)),
      about_(std::move(about)),
      notes_(std::move(notes)),
      options_("options", help_width, min_description_width) {
  options_.add_options()("help", flag(), "this text (also -h)");
}

bool command::parse(std::span<char* const> args, std::ostream& out) {
  // Operands go to a hidden option, so that too many of them can be refused by name.
  po::options_description all;
  all.add(options_).add_options()("operand", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("operand", -1);
  // Exact names only: with guessing, "--inst" would quietly mean --instance, and a later
  // option sharing the prefix would change what old scripts do.
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
  std::vector<std::string> words(args.begin(), args.end());
  // --help (or -h) wins over everything else on the line, even what would not parse.
  for (const auto& w : words) {
    if (w == "--help" || w == "-h") {
      out << help();
      return false;
    }
  }
  try {
    po::store(po::command_line_parser(words)
                  .options(all)
                  .positional(positional)
                  .style(style)
                  .run(),
              values_);
    po::notify(values_);
  } catch (const po::error& e) {
    throw usage_error(e.what());
  }
  if (auto it = values_.find("operand"); it != values_.end()) operands_ = it->second.as<std::vector<std::string>>();
  if (operands_.size() > max_operands_) throw usage_error("unexpected argument '" + operands_[max_operands_] + "'");
  return true;
}

bool command::given(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && !it->second.defaulted() && !it->second.empty();
}

std::string command::help() const {
  std::ostringstream text;
  text << "usage: " << usage_ << "\n\n" << about_;
  if (!about_.empty() && about_.back() != '\n') text << "\n";
  text << "\n" << options_;
  if (!notes_.empty()) text << "\n" << notes_ << (notes_.back() == '\n' ? "" : "\n");
  return without_trailing_blanks(text.str());
}

}  // namespace jetstrand::command_line
