#pragma once
// What every measurement's command line shares: --dir, where its scratch data goes, and
// --table, markdown instead of JSON lines.

#include "command_line/command.hpp"

#include <filesystem>

namespace jetstrand::bench {
using namespace jetstrand::command_line;

inline void add_scratch_dir(command& c) {
  c.options()("dir", text("DIR")->default_value(std::filesystem::temp_directory_path().string()),
              "where the scratch data goes");
}

inline void add_table(command& c) { c.options()("table", flag(), "a markdown table instead of JSON lines"); }

}  // namespace jetstrand::bench
