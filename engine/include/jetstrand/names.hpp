#pragma once

#include <string_view>

namespace jetstrand {

// Instance, database and key-route names: [A-Za-z0-9_-]{1,64} (SPEC §4). Such a name is
// safe as a single path component: no separator, no "." or "..", no NUL.
bool is_valid_name(std::string_view name) noexcept;

}  // namespace jetstrand
