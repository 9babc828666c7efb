// The library is silent until the host sets a level; records carry the instance's channel.
#include "support/engine_fixture.hpp"

#include "jetstrand/log.hpp"

#include <boost/core/null_deleter.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/test/unit_test.hpp>

#include <sstream>

using namespace jetstrand;

namespace {

// Captures "[channel] severity: message" lines while in scope.
class captured_log {
 public:
  captured_log() {
    namespace expr = boost::log::expressions;
    auto backend = boost::make_shared<boost::log::sinks::text_ostream_backend>();
    backend->add_stream(boost::shared_ptr<std::ostream>(&out_, boost::null_deleter()));
    sink_ = boost::make_shared<sink_t>(backend);
    sink_->set_formatter(expr::stream << "[" << expr::attr<std::string>("Channel") << "] "
                                      << expr::attr<log_level>("Severity") << ": "
                                      << expr::smessage);
    boost::log::core::get()->add_sink(sink_);
  }
  ~captured_log() {
    boost::log::core::get()->remove_sink(sink_);
    set_log_level(log_level::off);
  }
  std::string text() {
    sink_->flush();
    return out_.str();
  }

 private:
  using sink_t = boost::log::sinks::synchronous_sink<boost::log::sinks::text_ostream_backend>;
  std::ostringstream out_;
  boost::shared_ptr<sink_t> sink_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(logging)

BOOST_AUTO_TEST_CASE(silent_by_default) {
  BOOST_TEST(get_log_level() == log_level::off);
  captured_log log;
  {
    test::engine_fixture f;
    f.create("quiet");
  }
  BOOST_TEST(log.text().empty());
}

BOOST_AUTO_TEST_CASE(records_carry_the_instance_channel_once_enabled) {
  captured_log log;
  set_log_level(log_level::info);
  {
    test::engine_fixture f;
    f.create("chatty");
  }
  auto text = log.text();
  BOOST_TEST(text.find("[chatty] info: running in") != std::string::npos, text);
  BOOST_TEST(text.find("[chatty] info: terminated") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(level_filters_below_it) {
  captured_log log;
  set_log_level(log_level::warning);
  {
    test::engine_fixture f;
    f.create("filtered");
  }
  BOOST_TEST(log.text().empty());
}

BOOST_AUTO_TEST_CASE(level_names_round_trip) {
  for (auto l : {log_level::trace, log_level::debug, log_level::info, log_level::warning,
                 log_level::error, log_level::off}) {
    BOOST_TEST((parse_log_level(to_string(l)) == l));
  }
  BOOST_TEST(!parse_log_level("loud"));
}

BOOST_AUTO_TEST_SUITE_END()
