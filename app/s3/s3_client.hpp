#pragma once
// A blocking client for S3-compatible object stores (AWS S3, MinIO, Ceph RGW, ...):
// path-style requests (ENDPOINT/BUCKET/KEY) signed with AWS Signature Version 4 by libcurl
// (CURLOPT_AWS_SIGV4; every request carries x-amz-content-sha256, the SHA-256 of its body,
// computed with OpenSSL). Transfers that fail on the network or with a 5xx/429 answer are
// retried up to four times with back-off (0.25, 0.5, 1, 2 s); a GET cut after some bytes is
// resumed from the first byte missing (Range, If-Match on the object's ETag: a changed
// object fails with 412), counting tries from the last progress; other answers are errors that
// carry S3's code and message. interrupt() (from any thread, e.g. a signal watcher) ends the
// transfer in progress within 100 ms; clear_interrupt() lets clean-up calls run after it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace jetstrand::cli::s3 {

// Where requests go and who signs them: from the standard AWS_* environment variables.
struct s3_settings {
  std::string endpoint;  // "http://127.0.0.1:4568" (AWS_ENDPOINT_URL) or https://s3.<region>.amazonaws.com
  std::string region = "us-east-1";
  std::string access_key, secret_key, session_token;

  // Throws std::runtime_error naming the variable that is missing.
  static s3_settings from_environment();
};

struct s3_error : std::runtime_error {
  s3_error(long status, std::string code, const std::string& what)
      : std::runtime_error(what), status(status), code(std::move(code)) {}
  long status;       // 0: no answer (network)
  std::string code;  // S3's error code ("NoSuchKey", ...), empty when none
};

struct s3_object {
  std::string key;
  std::uint64_t size = 0;
};

class s3_client {
 public:
  s3_client(s3_settings settings, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~s3_client();
  s3_client(const s3_client&) = delete;
  s3_client& operator=(const s3_client&) = delete;

  void put(const std::string& bucket, const std::string& key, std::span<const unsigned char> body);
  void put(const std::string& bucket, const std::string& key, const std::string& body);
  // Streams the object to `sink`; throws s3_error with code NoSuchKey when it is not there.
  void get(const std::string& bucket, const std::string& key,
           const std::function<void(std::span<const unsigned char>)>& sink);
  std::string get(const std::string& bucket, const std::string& key);
  // Every object whose key starts with prefix, in key order (all pages of ListObjectsV2).
  std::vector<s3_object> list(const std::string& bucket, const std::string& prefix);
  void remove(const std::string& bucket, const std::string& key);

  // Multipart upload: parts are numbered from 1; every part but the last >= 5 MiB.
  std::string create_multipart(const std::string& bucket, const std::string& key);
  std::string upload_part(const std::string& bucket, const std::string& key, const std::string& upload_id,
                          int part, std::span<const unsigned char> body);  // the part's ETag
  void complete_multipart(const std::string& bucket, const std::string& key, const std::string& upload_id,
                          const std::vector<std::string>& etags);
  void abort_multipart(const std::string& bucket, const std::string& key, const std::string& upload_id);

  void interrupt() noexcept { interrupted_ = true; }
  void clear_interrupt(std::chrono::milliseconds timeout) noexcept {
    interrupted_ = false;
    timeout_ = timeout;
  }
  bool interrupted() const noexcept { return interrupted_; }

  // The request URL of a key: ENDPOINT/BUCKET/KEY, the key percent-encoded except '/'.
  std::string url(const std::string& bucket, const std::string& key, const std::string& query = {}) const;

 private:
  struct response {
    long status = 0;
    std::string body;
    std::string etag;
  };
  // One request with retries. `sink`, when set, receives a 2xx body instead of `body`.
  response perform(const char* method, const std::string& url, std::span<const unsigned char> body,
                   const std::function<void(std::span<const unsigned char>)>* sink = nullptr);
  struct resume_point {
    std::uint64_t from = 0;  // a GET: the first byte the sink has not had
    std::string etag;        // of the object it had the bytes before from
  };
  response perform_once(const char* method, const std::string& url, std::span<const unsigned char> body,
                        const std::function<void(std::span<const unsigned char>)>* sink, const resume_point& resume,
                        std::string& error);
  [[noreturn]] void fail(const char* method, const std::string& url, const response& r);

  s3_settings settings_;
  std::chrono::milliseconds timeout_;
  void* curl_;  // CURL*: one handle, so connections are reused
  std::atomic<bool> interrupted_{false};
};

// The SHA-256 of `bytes` in lower-case hex (OpenSSL).
std::string sha256_hex(std::span<const unsigned char> bytes);

// Sets SigV4 signing on a libcurl handle (CURL*): provider "aws:amz:<region>:<service>",
// the key pair, x-amz-content-sha256 and the session token; appends those headers to
// `headers` (a curl_slist*). Exposed for the signing test against AWS's vectors.
void sign_requests(void* curl, void** headers, const s3_settings& s, const std::string& service,
                   const std::string& payload_sha256);

}  // namespace jetstrand::cli::s3
