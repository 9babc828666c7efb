// Black-box: `jetstrand serve --tls-cert/--tls-key` and `jetstrand backup --url https://`
// with the server's certificate checked: trusted, untrusted, the wrong name, plain HTTP on
// the TLS port, https to a plain server, and key files that cannot be used.
#include "cli/cli_support.hpp"
#include "support/temp_dir.hpp"
#include "support/test_certificate.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>

using namespace jetstrand::test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(cli_tls)

BOOST_AUTO_TEST_CASE(backup_over_https_checks_the_certificate_and_its_name) {
  temp_dir dir;
  auto cert = make_test_certificate(dir.path(), "server", "IP:127.0.0.1");
  served s(dir / "data", {"--tls-cert", cert.certificate.string(), "--tls-key", cert.private_key.string()});
  BOOST_TEST_REQUIRE(s.url.starts_with("https://"));
  const std::string port = std::to_string(s.port);

  std::string out, err;
  BOOST_TEST(run_jetstrand({"backup", "--url", s.url, "--cacert", cert.certificate.string(), "--out",
                            (dir / "set").string()}, &out, &err) == 0, err);
  BOOST_TEST(out.find("backup completed") != std::string::npos, out);
  BOOST_TEST(run_jetstrand({"verify", (dir / "set").string()}, &out, &err) == 0, err);

  // The system's CAs do not know this certificate.
  BOOST_TEST(run_jetstrand({"backup", "--url", s.url, "--out", (dir / "untrusted").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("certificate was refused") != std::string::npos, err);
  BOOST_TEST(err.find("--cacert") != std::string::npos, err);
  BOOST_TEST(!fs::exists(dir / "untrusted"));

  // Trusted, but it names 127.0.0.1, not localhost.
  BOOST_TEST(run_jetstrand({"backup", "--url", "https://localhost:" + port, "--cacert", cert.certificate.string(),
                            "--out", (dir / "wrong-name").string()}, &out, &err) == 1);
  BOOST_TEST(err.find("does not name localhost") != std::string::npos, err);

  // Plain HTTP on the TLS port: the server says what to use.
  BOOST_TEST(run_jetstrand({"backup", "--url", "http://127.0.0.1:" + port, "--out", (dir / "plain").string()},
                           &out, &err) == 1);
  BOOST_TEST(err.find("HTTPS only") != std::string::npos, err);

  // The server took none of it badly: another backup over https completes.
  BOOST_TEST(run_jetstrand({"backup", "--url", s.url, "--cacert", cert.certificate.string(), "--incremental", "--out",
                            (dir / "incr").string()}, &out, &err) == 0, err);
}

BOOST_AUTO_TEST_CASE(https_to_a_plain_server_and_unusable_key_files_are_explained) {
  temp_dir dir;
  auto cert = make_test_certificate(dir.path(), "server", "IP:127.0.0.1");
  auto other = make_test_certificate(dir.path(), "other", "IP:127.0.0.1");
  {
    served plain(dir / "data");
    std::string out, err;
    BOOST_TEST(run_jetstrand({"backup", "--url", "https://127.0.0.1:" + std::to_string(plain.port), "--cacert",
                              cert.certificate.string(), "--out", (dir / "set").string()}, &out, &err) == 1);
    BOOST_TEST(err.find("does the server serve https") != std::string::npos, err);
  }
  std::string out, err;
  BOOST_TEST(run_jetstrand({"serve", "--listen", "127.0.0.1:0", "--data", (dir / "data").string(), "--tls-cert",
                            cert.certificate.string(), "--tls-key", other.private_key.string()}, &out, &err) == 1);
  BOOST_TEST(err.find("other.key") != std::string::npos, err);
  BOOST_TEST(run_jetstrand({"serve", "--tls-cert", cert.certificate.string()}, &out, &err) == 2);
  BOOST_TEST(err.find("--tls-key") != std::string::npos, err);
  BOOST_TEST(run_jetstrand({"backup", "--url", "http://127.0.0.1:1", "--cacert", cert.certificate.string(), "--out",
                            (dir / "x").string()}, &out, &err) == 2);
  BOOST_TEST(err.find("https://") != std::string::npos, err);
}

BOOST_AUTO_TEST_SUITE_END()
