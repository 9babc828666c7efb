#pragma once
// A program made of commands (`jetstrand <command>`, `jetstrand-bench <measurement>`): the
// top-level help, dispatch, and one policy for errors and exit codes.

#include <functional>
#include <span>
#include <string>
#include <vector>

namespace jetstrand::command_line {

struct program {
  struct entry {
    std::string name;     // "serve"
    std::string summary;  // one line for the top-level help ("\n" continues it, indented)
    std::function<int(std::span<char*>)> run;  // the arguments after the name; returns the exit status
  };

  std::string name;           // "jetstrand"
  std::string what;           // what the commands are called: "command", "measurement"
  std::string about;          // printed after the usage line
  std::vector<entry> entries;
  std::string notes;          // printed after the list
  std::string version;        // printed by --version; empty: no --version

  std::string help() const;

  // Runs the command named by args[0] (the arguments after the program's name). Exit status:
  // the command's; 0 for --help; 2 for a usage_error (with a pointer to the command's --help),
  // an unknown command or none; 1 for any other exception, whose message is printed.
  int run(std::span<char*> args) const;
};

}  // namespace jetstrand::command_line
