// The one command-line parser of jetstrand and jetstrand-bench: values, errors, help.
#include "command_line/command.hpp"
#include "command_line/program.hpp"

#include <boost/test/unit_test.hpp>

#include <iostream>
#include <sstream>
#include <stdexcept>

using namespace jetstrand::command_line;

namespace {

// A command with one option of each kind the programs use.
command sample() {
  command c("tool sample [options] [NAME ...]", "Does a sample thing.", "Exit status: 0.");
  c.options()
      ("out", text("DIR"), "where it goes")
      ("url", text("URL")->default_value("http://127.0.0.1:8642"), "the server")
      ("from", repeated_text("SET"), "a set (repeat)")
      ("quiet", flag(), "say less")
      ("cache-size", size(256 << 10)->default_value(64 << 20, "64M"), "the cache")
      ("threads", number(1, 64)->default_value(2, "2"), "threads")
      ("timeout", seconds(0.1, 60)->default_value(30, "30"), "patience")
      ("level", one_of({"info", "debug"}, "LEVEL")->default_value("info"), "how much")
      ("chains", numbers()->default_value(std::vector<long long>{1, 4}, "1,4"), "chains")
      ("tls", some_of({"on", "off"})->default_value(std::vector<std::string>{"off"}, "off"), "runs");
  c.takes_operands(2);
  return c;
}

bool parse(command& c, std::vector<std::string> words, std::ostream& out) {
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  return c.parse(argv, out);
}

std::string usage_error_of(std::vector<std::string> words) {
  auto c = sample();
  std::ostringstream out;
  try {
    parse(c, std::move(words), out);
  } catch (const usage_error& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(command_line)

BOOST_AUTO_TEST_CASE(sizes_parse_as_people_write_them) {
  BOOST_TEST(parse_size("4096").value() == 4096u);
  BOOST_TEST(parse_size("64K").value() == 64u << 10);
  BOOST_TEST(parse_size("256M").value() == 256u << 20);
  BOOST_TEST(parse_size("512KiB").value() == 512u << 10);
  BOOST_TEST(parse_size("2g").value() == 2ull << 30);
  BOOST_TEST(parse_size("1.5G").value() == 3ull << 29);
  BOOST_TEST(parse_size("1.1G").value() == 1181116006u);  // rounded down to whole bytes
  BOOST_TEST(parse_size("100B").value() == 100u);
  for (const char* bad : {"", "M", "1.5", "12Q", "1MM", "-1K", "1 M", "99999999999T"}) {
    BOOST_TEST(!parse_size(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(values_defaults_flags_and_operands_are_read) {
  auto c = sample();
  std::ostringstream out;
  BOOST_TEST_REQUIRE(parse(c,
                           {"--out=/tmp/x", "--from", "a", "alpha", "--from", "b", "--quiet", "--cache-size", "1.5M",
                            "--threads", "8", "--timeout", "0.5", "--chains", "1,16,64", "--tls=on,off", "beta"},
                           out));
  BOOST_TEST(out.str().empty());
  BOOST_TEST(c.get<std::string>("out") == "/tmp/x");
  BOOST_TEST(c.get<std::string>("url") == "http://127.0.0.1:8642");  // the default
  BOOST_TEST(c.given("out"));
  BOOST_TEST(!c.given("url"));
  BOOST_TEST((c.get<std::vector<std::string>>("from") == std::vector<std::string>{"a", "b"}));
  BOOST_TEST(c.get<bool>("quiet"));
  BOOST_TEST(c.get<std::uint64_t>("cache-size") == 3u << 19);
  BOOST_TEST(c.get<long long>("threads") == 8);
  BOOST_TEST(c.get<double>("timeout") == 0.5);
  BOOST_TEST(c.get<std::string>("level") == "info");
  BOOST_TEST((c.get<std::vector<long long>>("chains") == std::vector<long long>{1, 16, 64}));
  BOOST_TEST((c.get<std::vector<std::string>>("tls") == std::vector<std::string>{"on", "off"}));
  BOOST_TEST((c.operands() == std::vector<std::string>{"alpha", "beta"}));

  auto bare = sample();
  BOOST_TEST_REQUIRE(parse(bare, {}, out));
  BOOST_TEST(!bare.get<bool>("quiet"));
  BOOST_TEST(!bare.find<std::string>("out").has_value());
  BOOST_TEST(!bare.given("quiet"));
  BOOST_TEST((bare.get<std::vector<long long>>("chains") == std::vector<long long>{1, 4}));
  BOOST_CHECK_THROW(bare.get<std::string>("out"), std::logic_error);  // no value, no default
}

BOOST_AUTO_TEST_CASE(bad_command_lines_say_what_was_wrong) {
  struct expectation {
    std::vector<std::string> words;
    std::string says;
  };
  const expectation cases[] = {
      {{"--bogus"}, "unrecognised option '--bogus'"},
      {{"--cache", "1M"}, "unrecognised option '--cache'"},  // no guessing from a prefix
      {{"--out"}, "the required argument for option '--out' is missing"},
      {{"--url", "a", "--url", "b"}, "option '--url' cannot be specified more than once"},
      {{"--threads", "a", "--threads", "3"}, "--threads a: expected 1 to 64"},
      {{"--threads", "3", "--threads", "4"}, "option '--threads' cannot be specified more than once"},
      {{"--threads", "0"}, "--threads 0: expected 1 to 64"},
      {{"--threads", "2.5"}, "--threads 2.5: expected 1 to 64"},
      {{"--cache-size", "1K"}, "--cache-size 1K: expected a size of at least 256K, such as 64M or 2G"},
      {{"--cache-size=lots"}, "--cache-size lots: expected a size of at least 256K"},
      {{"--timeout", "0"}, "--timeout 0: expected seconds, 0.1 to 60"},
      {{"--level", "loud"}, "--level loud: expected info or debug"},
      {{"--chains", "1,,4"}, "--chains 1,,4: expected positive whole numbers separated by commas"},
      {{"--chains", "0"}, "--chains 0: expected positive whole numbers"},
      {{"--tls", "on,maybe"}, "--tls on,maybe: expected on or off, or several of them separated by commas"},
      {{"a", "b", "c"}, "unexpected argument 'c'"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.words.front()) {
      const auto said = usage_error_of(c.words);
      BOOST_TEST(said.find(c.says) != std::string::npos, said);
    }
  }
  // A command that takes no operands refuses one by name.
  command none("tool none", "Takes nothing.");
  std::ostringstream out;
  BOOST_CHECK_EXCEPTION(parse(none, {"stray"}, out), usage_error,
                        [](const usage_error& e) { return std::string(e.what()) == "unexpected argument 'stray'"; });
}

BOOST_AUTO_TEST_CASE(help_is_made_from_the_options) {
  for (const char* ask : {"--help", "-h"}) {
    auto c = sample();
    std::ostringstream out;
    // --help wins over anything else on the line, malformed or not.
    BOOST_TEST(!parse(c, {"--threads", "0", ask, "--bogus"}, out));
    const auto help = out.str();
    BOOST_TEST(help.starts_with("usage: tool sample [options] [NAME ...]\n\nDoes a sample thing.\n"), help);
    for (const char* shown : {"--out DIR", "--url URL (=http://127.0.0.1:8642)", "--from SET", "--quiet",
                              "--cache-size SIZE (=64M)", "--threads N (=2)", "--timeout SECONDS (=30)",
                              "--level LEVEL (=info)", "--chains LIST (=1,4)", "--help", "Exit status: 0."}) {
      BOOST_TEST(help.find(shown) != std::string::npos, shown);
    }
    std::istringstream lines(help);
    for (std::string line; std::getline(lines, line);) {
      BOOST_TEST(line.size() <= 90u, line);
      BOOST_TEST((line.empty() || line.back() != ' '), '"' << line << '"');
    }
  }
}

BOOST_AUTO_TEST_CASE(a_program_runs_its_commands_and_owns_the_exit_status) {
  int ran = 0;
  const program p{
      .name = "tool",
      .what = "command",
      .about = "Does things.",
      .entries = {
          {"fine", "returns how many arguments it got",
           [&](std::span<char*> args) {
             ++ran;
             return static_cast<int>(args.size());
           }},
          {"misused", "a usage error", [](std::span<char*>) -> int { throw usage_error("--x 1: expected 2"); }},
          {"broken", "fails", [](std::span<char*>) -> int { throw std::runtime_error("disk on fire"); }},
      },
      .notes = {},
      .version = "1.2.3",
  };
  auto run = [&](std::vector<std::string> words, std::string* out, std::string* err) {
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    std::ostringstream o, e;
    auto* old_out = std::cout.rdbuf(o.rdbuf());
    auto* old_err = std::cerr.rdbuf(e.rdbuf());
    const int status = p.run(argv);
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    *out = o.str();
    *err = e.str();
    return status;
  };
  std::string out, err;
  BOOST_TEST(run({"fine", "a", "b"}, &out, &err) == 2);  // the command's own status
  BOOST_TEST(ran == 1);
  BOOST_TEST(run({}, &out, &err) == 2);
  BOOST_TEST(err.find("usage: tool <command>") != std::string::npos, err);
  BOOST_TEST(run({"--help"}, &out, &err) == 0);
  BOOST_TEST(out.find("  misused     a usage error\n") != std::string::npos, out);
  BOOST_TEST(run({"--version"}, &out, &err) == 0);
  BOOST_TEST(out == "tool 1.2.3\n");
  BOOST_TEST(run({"frobnicate"}, &out, &err) == 2);
  BOOST_TEST(err.starts_with("tool: unknown command 'frobnicate'"), err);
  BOOST_TEST(run({"misused"}, &out, &err) == 2);
  BOOST_TEST(err == "tool misused: --x 1: expected 2\ntry 'tool misused --help'\n");
  BOOST_TEST(run({"broken"}, &out, &err) == 1);
  BOOST_TEST(err == "tool broken: disk on fire\n");
}

BOOST_AUTO_TEST_SUITE_END()
