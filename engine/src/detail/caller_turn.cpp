#include "detail/caller_turn.hpp"

namespace jetstrand::detail {
namespace {
thread_local bool turn_offered = false;
}  // namespace

caller_turn::caller_turn() noexcept { turn_offered = true; }
caller_turn::~caller_turn() { turn_offered = false; }

bool caller_turn::take() noexcept { return std::exchange(turn_offered, false); }

}  // namespace jetstrand::detail
