// The jetstrand command line (SPEC §5).
#include "backup_command.hpp"
#include "serve_command.hpp"

#include "command_line/program.hpp"

#include <span>

int main(int argc, char** argv) {
  using namespace jetstrand::cli;
  const jetstrand::command_line::program jetstrand{
      .name = "jetstrand",
      .what = "command",
      .about = {},
      .entries = {
          {"serve", "run the engine and its HTTP control endpoint", serve_command},
          {"backup",
           "back up an instance of a running server into a backup set (a folder, or a new\n"
           "set in a repository)",
           backup_command},
          {"restore", "restore an instance from backup sets into a data directory", restore_command},
          {"verify", "check backup sets offline", verify_command},
          {"list", "list the backup sets in a repository (a folder of sets)", list_command},
          {"prune", "delete old backup sets from a repository, keeping the newest full chains", prune_command},
      },
      .notes = {},
      .version = JETSTRAND_VERSION,
  };
  return jetstrand.run(std::span<char*>(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0)));
}
