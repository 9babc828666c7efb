#pragma once
// Logging: Boost.Log, one channel per instance (the channel is the instance name, or
// "engine"). A library must stay silent until its host configures it, and an unconfigured
// Boost.Log core prints everything to std::clog; so every statement is gated behind this
// library's own level, which is `off` until the host calls set_log_level().

#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_channel_logger.hpp>

#include <atomic>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace jetstrand {

enum class log_level { trace, debug, info, warning, error, off };

std::string_view to_string(log_level) noexcept;
std::optional<log_level> parse_log_level(std::string_view) noexcept;
std::ostream& operator<<(std::ostream&, log_level);

namespace detail {
extern std::atomic<log_level> current_log_level;
}

// Thread-safe; takes effect for statements that start after it returns.
void set_log_level(log_level) noexcept;
inline log_level get_log_level() noexcept {
  return detail::current_log_level.load(std::memory_order_relaxed);
}
inline bool log_enabled(log_level l) noexcept {
  return l != log_level::off && l >= get_log_level();
}

using logger = boost::log::sources::severity_channel_logger_mt<log_level, std::string>;

logger make_logger(std::string channel);

// Adds a console sink ("time level [channel] message" on stderr) and sets the level.
// For executables such as `jetstrand serve`; a library host configures its own sinks.
void enable_console_logging(log_level);

}  // namespace jetstrand

// A loop rather than if/else, so the macro nests safely under an unbraced `if`.
#define JETSTRAND_LOG(lg, lvl)                                                         \
  for (bool jetstrand_log_once_ = ::jetstrand::log_enabled(lvl); jetstrand_log_once_; \
       jetstrand_log_once_ = false)                                                    \
  BOOST_LOG_SEV(lg, lvl)
