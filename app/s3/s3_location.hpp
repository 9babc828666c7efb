#pragma once
// s3://BUCKET/PREFIX as the command line takes it (SPEC §7): a bucket and a key prefix
// without leading or trailing '/'.

#include <optional>
#include <string>
#include <string_view>

namespace jetstrand::cli::s3 {

struct s3_location {
  std::string bucket;
  std::string prefix;  // may be empty

  // prefix + "/" + name (or just name at the bucket's root)
  std::string key(std::string_view name) const {
    return prefix.empty() ? std::string(name) : prefix + "/" + std::string(name);
  }
  s3_location child(std::string_view name) const { return {bucket, key(name)}; }
  std::string text() const { return "s3://" + bucket + (prefix.empty() ? "" : "/" + prefix); }
};

inline bool is_s3(std::string_view text) { return text.starts_with("s3://"); }

// nullopt when `text` is not s3://BUCKET[/PREFIX] with a bucket name S3 accepts.
inline std::optional<s3_location> parse_s3_location(std::string_view text) {
  if (!is_s3(text)) return std::nullopt;
  text.remove_prefix(5);
  auto slash = text.find('/');
  s3_location l{std::string(text.substr(0, slash)), slash == std::string_view::npos ? "" : std::string(text.substr(slash + 1))};
  while (!l.prefix.empty() && l.prefix.back() == '/') l.prefix.pop_back();
  if (l.bucket.size() < 3 || l.bucket.size() > 63) return std::nullopt;
  for (char c : l.bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return std::nullopt;
  }
  return l;
}

}  // namespace jetstrand::cli::s3
