#include "detail/caller_errands.hpp"

#include <deque>
#include <utility>

namespace jetstrand::detail {
namespace {
thread_local bool in_caller_turn = false;
thread_local std::deque<caller_errands::errand> errands;
}  // namespace

bool caller_errands::here() noexcept { return in_caller_turn; }

void caller_errands::add(errand e) { errands.push_back(std::move(e)); }

std::optional<caller_errands::errand> caller_errands::next() {
  if (errands.empty()) return std::nullopt;
  auto e = std::move(errands.front());
  errands.pop_front();
  return e;
}

caller_errands::turn_scope::turn_scope() noexcept : outer_(std::exchange(in_caller_turn, true)) {}
caller_errands::turn_scope::~turn_scope() { in_caller_turn = outer_; }

}  // namespace jetstrand::detail
