#include "jetstrand/log.hpp"

#include <boost/core/null_deleter.hpp>
#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/support/date_time.hpp>
#include <boost/log/attributes/clock.hpp>

#include <array>
#include <iostream>
#include <mutex>

namespace jetstrand {

namespace detail {
std::atomic<log_level> current_log_level{log_level::off};
}

namespace {
constexpr std::array<std::string_view, 6> level_names{"trace", "debug", "info", "warning",
                                                      "error", "off"};
}

std::string_view to_string(log_level l) noexcept {
  return level_names[static_cast<std::size_t>(l)];
}

std::optional<log_level> parse_log_level(std::string_view s) noexcept {
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    if (level_names[i] == s) return static_cast<log_level>(i);
  }
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, log_level l) { return os << to_string(l); }

void set_log_level(log_level l) noexcept {
  detail::current_log_level.store(l, std::memory_order_relaxed);
}

logger make_logger(std::string channel) {
  return logger(boost::log::keywords::channel = std::move(channel));
}

void enable_console_logging(log_level level) {
  namespace logging = boost::log;
  namespace expr = boost::log::expressions;
  static std::once_flag once;
  std::call_once(once, [] {
    using backend_t = logging::sinks::text_ostream_backend;
    auto backend = boost::make_shared<backend_t>();
    backend->add_stream(boost::shared_ptr<std::ostream>(&std::clog, boost::null_deleter()));
    backend->auto_flush(true);
    auto sink = boost::make_shared<logging::sinks::synchronous_sink<backend_t>>(backend);
    sink->set_formatter(expr::stream
                        << expr::format_date_time<boost::posix_time::ptime>(
                               "TimeStamp", "%Y-%m-%dT%H:%M:%S.%f")
                        << " " << expr::attr<log_level>("Severity") << " ["
                        << expr::attr<std::string>("Channel") << "] " << expr::smessage);
    logging::core::get()->add_global_attribute("TimeStamp", logging::attributes::local_clock());
    logging::core::get()->add_sink(sink);
  });
  set_log_level(level);
}

}  // namespace jetstrand
