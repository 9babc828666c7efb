#pragma once
// Flags and results of the streaming backup calls (ESE's grbits and outcomes).

namespace jetstrand::backup {

// begin flags: anything else is -900 (JET_errInvalidGrbit).
inline constexpr unsigned backup_incremental = 0x1;
// end modes: exactly one of them, else -1003.
inline constexpr unsigned end_normal = 0x1;
inline constexpr unsigned end_abort = 0x2;

enum class end_result { completed, aborted };

}  // namespace jetstrand::backup
