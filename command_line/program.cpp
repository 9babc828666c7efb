#include "command_line/program.hpp"

#include "command_line/command.hpp"

#include <algorithm>
#include <iostream>
#include <sstream>
#include <string_view>

namespace jetstrand::command_line {

std::string program::help() const {
  std::ostringstream text;
  std::size_t width = 10;  // "-h, --help"
  for (const auto& e : entries) width = std::max(width, e.name.size());
  auto row = [&](std::string_view left, std::string_view right) {
    text << "  " << left << std::string(width + 2 - left.size(), ' ');
    for (char c : right) text << c << (c == '\n' ? std::string(width + 4, ' ') : "");
    text << "\n";
  };
  text << "usage: " << name << " <" << what << "> [options]\n\n";
  if (!about.empty()) text << about << "\n\n";
  text << what << "s:\n";
  for (const auto& e : entries) row(e.name, e.summary);
  text << "\noptions:\n";
  row("-h, --help", "this text");
  if (!version.empty()) row("--version", "print the version");
  text << "\n'" << name << " <" << what << "> --help' describes each " << what << ".\n";
  if (!notes.empty()) text << notes << "\n";
  return text.str();
}

int program::run(std::span<char*> args) const {
  if (args.empty()) {
    std::cerr << help();
    return 2;
  }
  const std::string_view chosen = args[0];
  if (chosen == "-h" || chosen == "--help" || chosen == "help") {
    std::cout << help();
    return 0;
  }
  if (chosen == "--version" && !version.empty()) {
    std::cout << name << " " << version << "\n";
    return 0;
  }
  for (const auto& e : entries) {
    if (e.name != chosen) continue;
    try {
      return e.run(args.subspan(1));
    } catch (const usage_error& error) {
      std::cerr << name << " " << chosen << ": " << error.what() << "\n"
                << "try '" << name << " " << chosen << " --help'\n";
      return 2;
    } catch (const std::exception& error) {
      std::cerr << name << " " << chosen << ": " << error.what() << "\n";
      return 1;
    }
  }
  std::cerr << name << ": unknown " << what << " '" << chosen << "'\n\n" << help();
  return 2;
}

}  // namespace jetstrand::command_line
