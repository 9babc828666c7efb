// The instance table in ESE's two modes, with the errors of SPEC §2 (-1003, -1080, -1081,
// -1086, -1214).
#include "support/engine_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>

using namespace jetstrand;
using jetstrand::test::engine_fixture;
using boost::system::error_code;

namespace {
engine_options multi(std::size_t max = 16) {
  engine_options o;
  o.mode = instance_mode::multi;
  o.max_instances = max;
  return o;
}
engine_options one() {
  engine_options o;
  o.mode = instance_mode::one;
  return o;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(engine_modes)

// A new engine on the same data directory opens every instance it finds, in name order,
// with its data; registered ones are left alone.
BOOST_AUTO_TEST_CASE(open_instances_finds_every_instance_directory) {
  engine_fixture f(multi());
  for (auto name : {"b", "a"}) {
    auto inst = f.create(name);
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_create_database("d", test::wait).get()));
    BOOST_TEST_REQUIRE(!std::get<0>(inst->async_put("d", "k", name, test::wait).get()));
  }
  std::filesystem::create_directories(f.dir.path() / "data" / "not-an-instance");
  std::filesystem::create_directories(f.dir.path() / "data" / "bad name" / "logs");
  BOOST_TEST_REQUIRE(!std::get<0>(f.eng->async_shutdown(test::wait).get()));

  auto opts = multi();
  opts.data_dir = f.dir.path() / "data";
  f.eng = std::make_unique<engine>(f.io.get_executor(), opts);
  f.create("a");  // registered already: skipped
  auto [ec, report] = f.eng->async_open_instances(test::wait).get();
  BOOST_TEST(!ec, ec.message());
  BOOST_TEST_REQUIRE(report.opened.size() == 1u);
  BOOST_TEST(report.opened[0]->name() == "b");
  BOOST_TEST(f.eng->instances().size() == 2u);
  auto [gec, value] = report.opened[0]->async_get("d", "k", test::wait).get();
  BOOST_TEST(!gec);
  BOOST_TEST(value == "b");
  // Nothing new: nothing opened.
  auto [ec2, again] = f.eng->async_open_instances(test::wait).get();
  BOOST_TEST(!ec2);
  BOOST_TEST(again.opened.empty());
}

BOOST_AUTO_TEST_CASE(open_instances_in_one_instance_mode_refuses_a_second) {
  engine_fixture f(multi());
  f.create("a");
  f.create("b");
  BOOST_TEST_REQUIRE(!std::get<0>(f.eng->async_shutdown(test::wait).get()));
  auto opts = one();
  opts.data_dir = f.dir.path() / "data";
  f.eng = std::make_unique<engine>(f.io.get_executor(), opts);
  auto [ec, report] = f.eng->async_open_instances(test::wait).get();
  BOOST_TEST((ec == jet_errc::running_in_one_instance_mode), ec.message());
  BOOST_TEST(report.failed == "b");
  BOOST_TEST_REQUIRE(report.opened.size() == 1u);
  BOOST_TEST(report.opened[0]->name() == "a");
}

BOOST_AUTO_TEST_CASE(multi_instance_default_maximum_is_16) {
  BOOST_TEST(engine_options{}.max_instances == 16u);
  engine_fixture f(multi());
  for (int i = 0; i < 16; ++i) f.create("i" + std::to_string(i));
  error_code ec;
  BOOST_TEST(!f.create("one-too-many", ec));
  BOOST_TEST(ec == jet_errc::too_many_instances);
  BOOST_TEST(f.eng->instances().size() == 16u);
}

BOOST_AUTO_TEST_CASE(maximum_is_configurable_and_a_terminated_instance_frees_its_slot) {
  engine_fixture f(multi(2));
  auto a = f.create("a");
  f.create("b");
  error_code ec;
  f.create("c", ec);
  BOOST_TEST(ec == jet_errc::too_many_instances);
  BOOST_TEST(!f.terminate(*a));
  BOOST_TEST(f.create("c", ec) != nullptr);
  BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(one_instance_mode_refuses_a_second_instance) {
  engine_fixture f(one());
  f.create("only");
  error_code ec;
  BOOST_TEST(!f.create("second", ec));
  BOOST_TEST(ec == jet_errc::running_in_one_instance_mode);
  // The limit error of one-instance mode is -1080 even if max_instances says more.
  engine_options o = one();
  o.max_instances = 5;
  engine_fixture g(o);
  g.create("only");
  g.create("second", ec);
  BOOST_TEST(ec == jet_errc::running_in_one_instance_mode);
}

BOOST_AUTO_TEST_CASE(legacy_instance_in_each_mode) {
  engine_fixture m(multi());
  m.create("a");
  error_code ec;
  BOOST_TEST(!m.eng->legacy_instance(ec));
  BOOST_TEST(ec == jet_errc::running_in_multi_instance_mode);

  engine_fixture o(one());
  BOOST_TEST(!o.eng->legacy_instance(ec));
  BOOST_TEST(ec == jet_errc::invalid_parameter);
  auto only = o.create("only");
  BOOST_TEST(o.eng->legacy_instance(ec) == only);
  BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(invalid_names_fail_with_invalid_parameter) {
  engine_fixture f;
  for (std::string bad : {std::string(), std::string("../x"), std::string("a/b"),
                          std::string(".."), std::string(65, 'n')}) {
    error_code ec;
    BOOST_TEST(!f.create(bad, ec));
    BOOST_TEST(ec == jet_errc::invalid_parameter);
  }
  BOOST_TEST(f.eng->instances().empty());
}

BOOST_AUTO_TEST_CASE(a_name_in_use_is_refused) {
  engine_fixture f;
  f.create("dup");
  error_code ec;
  BOOST_TEST(!f.create("dup", ec));
  BOOST_TEST(ec == jet_errc::instance_name_in_use);
}

BOOST_AUTO_TEST_CASE(zero_maximum_is_rejected_at_construction) {
  test::temp_dir dir;
  boost::asio::io_context io;
  engine_options o;
  o.data_dir = dir.path();
  o.max_instances = 0;
  BOOST_CHECK_THROW(engine(io.get_executor(), o), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(instances_are_listed_in_name_order_and_found_by_name) {
  engine_fixture f;
  auto b = f.create("b");
  auto a = f.create("a");
  auto all = f.eng->instances();
  BOOST_TEST_REQUIRE(all.size() == 2u);
  BOOST_TEST(all[0] == a);
  BOOST_TEST(all[1] == b);
  BOOST_TEST(f.eng->find_instance("a") == a);
  BOOST_TEST(!f.eng->find_instance("zzz"));
}

BOOST_AUTO_TEST_CASE(standalone_engine_runs_on_its_own_context) {
  test::temp_dir dir;
  engine_options o;
  o.data_dir = dir.path();
  engine eng(o);
  auto [ec, inst] = eng.async_create_instance("solo", test::wait).get();
  BOOST_TEST(!ec);
  BOOST_TEST_REQUIRE(inst);
  BOOST_TEST(inst->state() == instance_state::running);
  BOOST_TEST(std::filesystem::exists(dir.path() / "solo" / "LOCK"));
  // The destructor terminates it.
}

BOOST_AUTO_TEST_SUITE_END()
