// The jetstrand command line (SPEC §5).
#include "backup_command.hpp"
#include "cli_args.hpp"
#include "serve_command.hpp"

#include <boost/system/system_error.hpp>

#include <iostream>
#include <span>
#include <string_view>

namespace {

const char* const usage = R"(usage: jetstrand <command> [options]

commands:
  serve     run the engine and its HTTP control endpoint
  backup    back up an instance of a running server into a backup set (a folder, or a new
            set in a repository)
  restore   restore an instance from backup sets into a data directory
  verify    check backup sets offline
  list      list the backup sets in a repository (a folder of sets)
  prune     delete old backup sets from a repository, keeping the newest full chains

options:
  -h, --help      this text
  --version       print the version

'jetstrand <command> --help' describes each command.
)";

}  // namespace

int main(int argc, char** argv) {
  std::span<char*> args(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0));
  if (args.empty()) {
    std::cerr << usage;
    return 2;
  }
  std::string_view command = args[0];
  auto rest = args.subspan(1);
  try {
    if (command == "-h" || command == "--help" || command == "help") {
      std::cout << usage;
      return 0;
    }
    if (command == "--version") {
      std::cout << "jetstrand " JETSTRAND_VERSION "\n";
      return 0;
    }
    if (command == "serve") return jetstrand::cli::serve_command(rest);
    if (command == "backup") return jetstrand::cli::backup_command(rest);
    if (command == "restore") return jetstrand::cli::restore_command(rest);
    if (command == "verify") return jetstrand::cli::verify_command(rest);
    if (command == "list") return jetstrand::cli::list_command(rest);
    if (command == "prune") return jetstrand::cli::prune_command(rest);
    std::cerr << "jetstrand: unknown command '" << command << "'\n\n" << usage;
    return 2;
  } catch (const jetstrand::cli::usage_error& e) {
    std::cerr << "jetstrand " << command << ": " << e.what() << "\n"
              << "try 'jetstrand " << command << " --help'\n";
    return 2;
  } catch (const boost::system::system_error& e) {
    std::cerr << "jetstrand " << command << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "jetstrand " << command << ": " << e.what() << "\n";
    return 1;
  }
}
