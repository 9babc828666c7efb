// Keys: put, get, delete one, and list them (SPEC §4).
#include "route_context.hpp"

#include "jetstrand/names.hpp"
#include "jetstrand/storage_options.hpp"

#include <boost/json/array.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <charconv>

namespace jetstrand::net {
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr std::size_t default_list_limit = 100;
constexpr std::size_t max_list_limit = 1000;

// The database name and the key (percent-decoded already) are usable; else answers 400.
bool check_database(const context& c) {
  if (is_valid_name(c->segs[4])) return true;
  c->fail(make_http_error(400, jet_errc::invalid_parameter, "invalid database name: use [A-Za-z0-9_-]{1,64}"));
  return false;
}

bool check_key(const context& c, const std::string& key, const char* what) {
  if (!key.empty() && key.size() <= max_key_size) return true;
  c->fail(make_http_error(400, jet_errc::invalid_parameter,
                          std::string(what) + (key.empty() ? " is empty" : " is " + std::to_string(key.size()) + " bytes") +
                              ": keys are 1 to " + std::to_string(max_key_size) +
                              " bytes (percent-encode any byte in the path)"));
  return false;
}

// The smallest string greater than every string that starts with `prefix` (empty: none).
std::string prefix_end(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

std::string encode_key(std::string_view key) {
  return boost::urls::encode(key, boost::urls::unreserved_chars);
}

}  // namespace

void handle_key(const context& c) {
  auto inst = find_instance_or_fail(c);
  if (!inst || !check_database(c)) return;
  const std::string& db = c->segs[4];
  const std::string& key = c->segs[6];
  if (!check_key(c, key, "the key")) return;
  switch (c->method()) {
    case http::verb::get:
      inst->async_get(db, key, [c](error_code ec, std::string value) {
        if (ec) return c->fail(ec);
        c->send(200, std::move(value), "application/octet-stream");
      });
      return;
    case http::verb::put: {
      // The value is the body, as bytes (the server's body limit, 64 MiB, answers 413 above).
      transaction t;
      t.put(db, key, c->req->body());
      if (auto it = c->query.find("durable"); it != c->query.end()) {
        if (it->second != "false" && it->second != "true") {
          return c->fail(make_http_error(400, jet_errc::invalid_parameter, "durable must be true or false"));
        }
        t.set_lazy_flush(it->second == "false");
      }
      inst->async_commit(std::move(t), [c](error_code ec) {
        if (ec) return c->fail(ec);
        c->json(200, {{"result", "stored"}});
      });
      return;
    }
    default:
      inst->async_erase(db, key, [c](error_code ec) {
        if (ec) return c->fail(ec);
        c->json(200, {{"result", "deleted"}});
      });
      return;
  }
}

void handle_key_list(const context& c) {
  auto inst = find_instance_or_fail(c);
  if (!inst || !check_database(c)) return;
  std::string prefix, from;
  std::size_t limit = default_list_limit;
  if (auto it = c->query.find("prefix"); it != c->query.end()) prefix = it->second;
  if (prefix.size() > max_key_size) return c->fail(make_http_error(400, jet_errc::invalid_parameter, "the prefix is over 255 bytes"));
  from = prefix;
  if (auto it = c->query.find("after"); it != c->query.end()) {
    if (!check_key(c, it->second, "after")) return;
    std::string past = it->second + '\0';  // the smallest key after it
    if (past > from) from = std::move(past);
  }
  if (auto it = c->query.find("limit"); it != c->query.end()) {
    const auto& v = it->second;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (ec != std::errc() || end != v.data() + v.size() || limit < 1 || limit > max_list_limit) {
      return c->fail(make_http_error(400, jet_errc::invalid_parameter, "limit must be 1 to 1000"));
    }
  }
  // One more than asked tells whether there is a next page.
  inst->async_scan_keys(c->segs[4], std::move(from), prefix_end(prefix), limit + 1,
                        [c, limit](error_code ec, instance::entries found) {
                          if (ec) return c->fail(ec);
                          boost::json::array keys;
                          const std::size_t n = std::min(limit, found.size());
                          for (std::size_t i = 0; i < n; ++i) keys.emplace_back(encode_key(found[i].first));
                          boost::json::value next = nullptr;
                          if (found.size() > limit) next = encode_key(found[limit - 1].first);
                          c->json(200, {{"keys", std::move(keys)}, {"next", std::move(next)}});
                        });
}

}  // namespace jetstrand::net
