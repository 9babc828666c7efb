#pragma once
// s3rver (an S3-compatible server from npm; scripts/setup.sh --tests installs it) on
// 127.0.0.1 and a free port, over a fresh folder, with one bucket; stopped at scope end.
// It serves the S3 REST API from the folder and checks the access key, not signatures
// (signing is tested against AWS's published vectors instead). It does not implement
// AbortMultipartUpload (405).

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <cstdlib>
#include <string>

namespace jetstrand::test {

struct s3_server {
  explicit s3_server(const std::string& bucket = "backups")
      : p({JETSTRAND_S3RVER, "--directory", dir.path().string(), "--address", "127.0.0.1", "--port", "0",
           "--configure-bucket", bucket}) {
    auto port = p.wait_for_stdout(R"(listening on 127\.0\.0\.1:(\d+))", std::chrono::seconds(30));
    BOOST_TEST_REQUIRE(port.has_value(), "s3rver did not start: " << p.err());
    endpoint = "http://127.0.0.1:" + *port;
  }
  ~s3_server() {
    p.signal(SIGTERM);
    p.wait();
  }
  // Sets what a `jetstrand` child needs to reach it (s3rver's default key pair) in this
  // process's environment, which children inherit.
  void export_environment() const {
    ::setenv("AWS_ENDPOINT_URL", endpoint.c_str(), 1);
    ::setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
    ::setenv("AWS_REGION", "us-east-1", 1);
  }
  // Multipart uploads s3rver still holds (parts uploaded, never completed or aborted).
  std::size_t open_uploads(const std::string& bucket = "backups") const {
    std::error_code ec;
    std::size_t n = 0;
    for (auto it = std::filesystem::directory_iterator(dir.path() / bucket / "._S3rver_uploads", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      ++n;
    }
    return n;
  }

  temp_dir dir;
  child_process p;
  std::string endpoint;
};

}  // namespace jetstrand::test
