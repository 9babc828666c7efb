#include "s3_client.hpp"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <thread>

namespace jetstrand::cli::s3 {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// RFC 3986 unreserved characters stay; everything else (but '/' in keys) is %XX.
std::string uri_encode(std::string_view text, bool keep_slash) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string between(const std::string& text, const std::string& open, const std::string& close) {
  auto a = text.find(open);
  if (a == std::string::npos) return {};
  a += open.size();
  auto b = text.find(close, a);
  return b == std::string::npos ? std::string{} : text.substr(a, b - a);
}

boost::property_tree::ptree parse_xml(const std::string& text) {
  std::istringstream in(text);
  boost::property_tree::ptree tree;
  boost::property_tree::read_xml(in, tree);
  return tree;
}

bool retryable(long status) { return status == 0 || status == 429 || status >= 500; }

struct curl_global {
  curl_global() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~curl_global() { curl_global_cleanup(); }
};

}  // namespace

s3_settings s3_settings::from_environment() {
  s3_settings s;
  s.region = env("AWS_REGION");
  if (s.region.empty()) s.region = env("AWS_DEFAULT_REGION");
  if (s.region.empty()) s.region = "us-east-1";
  s.endpoint = env("AWS_ENDPOINT_URL_S3");
  if (s.endpoint.empty()) s.endpoint = env("AWS_ENDPOINT_URL");
  if (s.endpoint.empty()) s.endpoint = "https://s3." + s.region + ".amazonaws.com";
  while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
  s.access_key = env("AWS_ACCESS_KEY_ID");
  s.secret_key = env("AWS_SECRET_ACCESS_KEY");
  s.session_token = env("AWS_SESSION_TOKEN");
  if (s.access_key.empty() || s.secret_key.empty()) {
    throw std::runtime_error("s3:// needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and "
                             "AWS_ENDPOINT_URL for a store other than AWS, AWS_REGION when not us-east-1)");
  }
  return s;
}

std::string sha256_hex(std::span<const unsigned char> bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &n, EVP_sha256(), nullptr);
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

void sign_requests(void* curl, void** headers, const s3_settings& s, const std::string& service,
                   const std::string& payload_sha256) {
  auto* c = static_cast<CURL*>(curl);
  auto** list = reinterpret_cast<curl_slist**>(headers);
  const std::string provider = "aws:amz:" + s.region + ":" + service;
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, provider.c_str());
  curl_easy_setopt(c, CURLOPT_USERNAME, s.access_key.c_str());
  curl_easy_setopt(c, CURLOPT_PASSWORD, s.secret_key.c_str());
  // S3 wants the body's hash in a header, and libcurl signs that header with the rest.
  if (!payload_sha256.empty()) *list = curl_slist_append(*list, ("x-amz-content-sha256: " + payload_sha256).c_str());
  if (!s.session_token.empty()) *list = curl_slist_append(*list, ("x-amz-security-token: " + s.session_token).c_str());
}

s3_client::s3_client(s3_settings settings, std::chrono::milliseconds timeout)
    : settings_(std::move(settings)), timeout_(timeout) {
  static curl_global global;
  curl_ = curl_easy_init();
  if (!curl_) throw std::runtime_error("libcurl: cannot make a handle");
}

s3_client::~s3_client() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

std::string s3_client::url(const std::string& bucket, const std::string& key, const std::string& query) const {
  std::string u = settings_.endpoint + "/" + uri_encode(bucket, false);
  if (!key.empty()) u += "/" + uri_encode(key, true);
  if (!query.empty()) u += "?" + query;
  return u;
}

s3_client::response s3_client::perform(const char* method, const std::string& url,
                                       std::span<const unsigned char> body,
                                       const std::function<void(std::span<const unsigned char>)>* sink) {
  std::uint64_t delivered = 0;
  std::function<void(std::span<const unsigned char>)> counting;
  if (sink) {
    counting = [&](std::span<const unsigned char> bytes) {
      (*sink)(bytes);
      delivered += bytes.size();
    };
  }
  std::string etag;  // of the object a GET began to deliver: a resume must read the same one
  for (int attempt = 0;; ++attempt) {
    std::string error;
    const auto before = delivered;
    auto r = perform_once(method, url, body, sink ? &counting : nullptr, {delivered, etag}, error);
    if (r.status >= 200 && r.status < 300) return r;
    if (interrupted_) throw s3_error(0, "", std::string(method) + " " + url + ": interrupted");
    if (etag.empty()) etag = r.etag;
    // A GET cut after some bytes goes on from the first byte missing (Range, If-Match: the
    // sink has the rest); the retries count from the last progress.
    if (delivered > before) attempt = 0;
    if (!retryable(r.status) || attempt >= 4 || (delivered > 0 && etag.empty())) {
      if (r.status == 0) throw s3_error(0, "", std::string(method) + " " + url + ": " + error);
      fail(method, url, r);
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(250 << attempt);
    while (!interrupted_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

s3_client::response s3_client::perform_once(const char* method, const std::string& url,
                                            std::span<const unsigned char> body,
                                            const std::function<void(std::span<const unsigned char>)>* sink,
                                            const resume_point& resume, std::string& error) {
  auto* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);
  response r;
  struct context {
    CURL* curl;
    response* r;
    const std::function<void(std::span<const unsigned char>)>* sink;
    const std::atomic<bool>* interrupted;
    std::exception_ptr sink_failure;
    std::uint64_t skip;  // a store that ignores Range sends the whole object again: what the sink has
  } ctx{c, &r, sink, &interrupted_, nullptr, resume.from};

  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
  // No byte for the whole timeout: the transfer is dead (a slow one is not).
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, std::max<long>(1, static_cast<long>(timeout_.count() / 1000)));
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &ctx);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION,
                   +[](void* p, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
                     return static_cast<context*>(p)->interrupted->load() ? 1 : 0;
                   });
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &ctx);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char* data, size_t, size_t n, void* p) -> size_t {
    auto& x = *static_cast<context*>(p);
    long status = 0;
    curl_easy_getinfo(x.curl, CURLINFO_RESPONSE_CODE, &status);
    if (x.sink && status >= 200 && status < 300) {
      std::span<const unsigned char> bytes(reinterpret_cast<const unsigned char*>(data), n);
      if (status == 200 && x.skip > 0) {
        const auto skipped = std::min<std::uint64_t>(x.skip, bytes.size());
        x.skip -= skipped;
        bytes = bytes.subspan(static_cast<std::size_t>(skipped));
      }
      try {
        if (!bytes.empty()) (*x.sink)(bytes);
      } catch (...) {
        x.sink_failure = std::current_exception();
        return 0;  // ends the transfer; the sink's error is rethrown
      }
    } else {
      x.r->body.append(data, n);
    }
    return n;
  });
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &ctx);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, +[](char* data, size_t, size_t n, void* p) -> size_t {
    std::string_view line(data, n);
    if (line.size() > 5 && (line.starts_with("ETag:") || line.starts_with("etag:") || line.starts_with("ETAG:"))) {
      auto v = line.substr(5);
      while (!v.empty() && (v.front() == ' ')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
      static_cast<context*>(p)->r->etag = std::string(v);
    }
    return n;
  });

  curl_slist* headers = curl_slist_append(nullptr, "Expect:");  // no 100-continue round trip
  sign_requests(c, reinterpret_cast<void**>(&headers), settings_, "s3", sha256_hex(body));
  const std::string m(method);
  if (m == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (resume.from > 0) {
      headers = curl_slist_append(headers, ("Range: bytes=" + std::to_string(resume.from) + "-").c_str());
      headers = curl_slist_append(headers, ("If-Match: " + resume.etag).c_str());
    }
  } else if (m == "PUT" || m == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.empty() ? "" : reinterpret_cast<const char*>(body.data()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (ctx.sink_failure) std::rethrow_exception(ctx.sink_failure);
  if (rc != CURLE_OK) {
    error = rc == CURLE_ABORTED_BY_CALLBACK ? "interrupted" : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) error = "timed out after " + std::to_string(timeout_.count() / 1000) + " s without progress";
    r.status = 0;
    return r;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

void s3_client::fail(const char* method, const std::string& url, const response& r) {
  const auto code = between(r.body, "<Code>", "</Code>");
  const auto message = between(r.body, "<Message>", "</Message>");
  std::string what = std::string(method) + " " + url + ": HTTP " + std::to_string(r.status);
  if (!code.empty()) what += " " + code;
  if (!message.empty()) what += ": " + message;
  throw s3_error(r.status, code, what);
}

void s3_client::put(const std::string& bucket, const std::string& key, std::span<const unsigned char> body) {
  perform("PUT", url(bucket, key), body);
}

void s3_client::put(const std::string& bucket, const std::string& key, const std::string& body) {
  put(bucket, key, {reinterpret_cast<const unsigned char*>(body.data()), body.size()});
}

void s3_client::get(const std::string& bucket, const std::string& key,
                    const std::function<void(std::span<const unsigned char>)>& sink) {
  perform("GET", url(bucket, key), {}, &sink);
}

std::string s3_client::get(const std::string& bucket, const std::string& key) {
  std::string text;
  get(bucket, key, [&](std::span<const unsigned char> b) { text.append(reinterpret_cast<const char*>(b.data()), b.size()); });
  return text;
}

std::vector<s3_object> s3_client::list(const std::string& bucket, const std::string& prefix) {
  std::vector<s3_object> out;
  std::string token;
  for (;;) {
    // Query keys in sorted order: the canonical request libcurl 7.88 signs keeps them as given.
    std::string query;
    if (!token.empty()) query += "continuation-token=" + uri_encode(token, false) + "&";
    query += "list-type=2&prefix=" + uri_encode(prefix, false);
    auto r = perform("GET", url(bucket, "", query), {});
    auto tree = parse_xml(r.body);
    const auto& result = tree.get_child("ListBucketResult");
    for (const auto& [name, node] : result) {
      if (name == "Contents") out.push_back({node.get<std::string>("Key"), node.get<std::uint64_t>("Size", 0)});
    }
    if (result.get<std::string>("IsTruncated", "false") != "true") break;
    token = result.get<std::string>("NextContinuationToken", "");
    if (token.empty()) break;
  }
  std::sort(out.begin(), out.end(), [](const s3_object& a, const s3_object& b) { return a.key < b.key; });
  return out;
}

void s3_client::remove(const std::string& bucket, const std::string& key) { perform("DELETE", url(bucket, key), {}); }

std::string s3_client::create_multipart(const std::string& bucket, const std::string& key) {
  auto r = perform("POST", url(bucket, key, "uploads="), {});
  auto id = between(r.body, "<UploadId>", "</UploadId>");
  if (id.empty()) throw s3_error(r.status, "", "CreateMultipartUpload " + key + ": no UploadId in the answer");
  return id;
}

std::string s3_client::upload_part(const std::string& bucket, const std::string& key, const std::string& upload_id,
                                   int part, std::span<const unsigned char> body) {
  auto r = perform("PUT", url(bucket, key, "partNumber=" + std::to_string(part) + "&uploadId=" + uri_encode(upload_id, false)),
                   body);
  if (r.etag.empty()) throw s3_error(r.status, "", "UploadPart " + key + ": no ETag in the answer");
  return r.etag;
}

void s3_client::complete_multipart(const std::string& bucket, const std::string& key, const std::string& upload_id,
                                   const std::vector<std::string>& etags) {
  std::string xml = "<CompleteMultipartUpload>";
  for (std::size_t i = 0; i < etags.size(); ++i) {
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] + "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  auto r = perform("POST", url(bucket, key, "uploadId=" + uri_encode(upload_id, false)),
                   {reinterpret_cast<const unsigned char*>(xml.data()), xml.size()});
  // S3 can answer 200 with an error in the body.
  if (r.body.find("<Error>") != std::string::npos) fail("POST", key, r);
}

void s3_client::abort_multipart(const std::string& bucket, const std::string& key, const std::string& upload_id) {
  perform("DELETE", url(bucket, key, "uploadId=" + uri_encode(upload_id, false)), {});
}

}  // namespace jetstrand::cli::s3
