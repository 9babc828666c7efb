// The streaming backup over HTTP (SPEC §3 through §4): one route per backup call; file
// downloads are streamed by the session.
#include "instance_json.hpp"
#include "route_context.hpp"

#include "jetstrand/backup/streaming_backup.hpp"

#include <boost/json/array.hpp>

#include <charconv>

namespace jetstrand::net {
namespace http = boost::beast::http;
using boost::system::error_code;
using namespace jetstrand::backup;

namespace {

boost::json::array names_json(const std::vector<std::string>& names) {
  boost::json::array a;
  for (const auto& n : names) a.emplace_back(n);
  return a;
}

void answer_status(const context& c, const std::shared_ptr<instance>& inst, unsigned status) {
  async_backup_status(inst, [c, status](error_code, std::optional<backup_status> s) {
    if (!s) return c->fail(make_error_code(jet_errc::no_backup));
    c->json(status, backup_status_json(*s));
  });
}

// "max_rate": a whole number of bytes per second, 0 for unlimited. False (and a 400
// answered) when it is something else; absent leaves `rate` as it is.
bool max_rate_of(const context& c, const boost::json::object& body, std::uint64_t& rate) {
  auto it = body.find("max_rate");
  if (it == body.end()) return true;
  const auto& v = it->value();
  if (v.is_uint64()) {
    rate = v.as_uint64();
  } else if (v.is_int64() && v.as_int64() >= 0) {
    rate = static_cast<std::uint64_t>(v.as_int64());
  } else {
    c->fail(make_http_error(400, jet_errc::invalid_parameter,
                            "\"max_rate\" must be a whole number of bytes per second (0: unlimited)"));
    return false;
  }
  return true;
}

void begin(const context& c, const std::shared_ptr<instance>& inst) {
  boost::json::object body;
  if (!body_object(c, body)) return;
  unsigned flags = 0;
  if (auto it = body.find("incremental"); it != body.end()) {
    if (!it->value().is_bool()) {
      return c->fail(make_http_error(400, jet_errc::invalid_parameter, "\"incremental\" must be true or false"));
    }
    if (it->value().as_bool()) flags |= backup_incremental;
  }
  std::uint64_t rate = 0;
  if (!max_rate_of(c, body, rate)) return;
  // The answer describes the backup this begin opened, as it was when the begin completed,
  // with its rate limit set before any read of it could start.
  async_begin_backup_with_status(inst, flags, [c, inst, rate](error_code ec, backup_status s) {
    if (ec) return c->fail(ec);
    if (rate == 0) return c->json(201, backup_status_json(s));
    async_set_max_rate(inst, rate, [c, s, rate](error_code) mutable {
      s.max_rate = rate;  // (-520 only when an end came first: the status says `ended`)
      c->json(201, backup_status_json(s));
    });
  });
}

void set_max_rate(const context& c, const std::shared_ptr<instance>& inst) {
  boost::json::object body;
  if (!body_object(c, body)) return;
  std::uint64_t rate = 0;
  if (!body.contains("max_rate")) {
    return c->fail(make_http_error(400, jet_errc::invalid_parameter, "the body needs \"max_rate\" (bytes per second, 0: unlimited)"));
  }
  if (!max_rate_of(c, body, rate)) return;
  async_set_max_rate(inst, rate, [c, inst](error_code ec) {
    if (ec) return c->fail(ec);
    answer_status(c, inst, 200);
  });
}

void end(const context& c, const std::shared_ptr<instance>& inst) {
  // A bad mode is the end's own -1003, after its -520 (SPEC §3's order).
  unsigned mode = end_normal;
  if (auto it = c->query.find("mode"); it != c->query.end()) {
    mode = it->second == "abort" ? end_abort : it->second == "normal" ? end_normal : 0;
  }
  async_end_backup(inst, mode, [c, name = inst->name()](error_code ec, end_result r) {
    if (ec) return c->fail(ec);
    c->stats.backup_ended(name, r == end_result::completed);
    c->json(200, {{"result", r == end_result::completed ? "completed" : "aborted"}});
  });
}

// "bytes=N-" (the only form offered: a download resumes from N to the end).
bool parse_range(std::string_view v, std::uint64_t& from) {
  constexpr std::string_view prefix = "bytes=";
  if (v.substr(0, prefix.size()) != prefix || v.empty() || v.back() != '-') return false;
  auto digits = v.substr(prefix.size(), v.size() - prefix.size() - 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), from);
  return ec == std::errc{} && end == digits.data() + digits.size() && !digits.empty();
}

void download(const context& c, const std::shared_ptr<instance>& inst) {
  // The name is checked by the backup's open, in SPEC §3's order (-1003 → 400).
  download_request d{inst, c->segs[5], 0, false};
  if (auto it = c->req->find(http::field::range); it != c->req->end()) {
    if (!parse_range(it->value(), d.from)) {
      return c->fail(make_http_error(416, jet_errc::invalid_parameter, "only \"Range: bytes=N-\" is supported"));
    }
    d.ranged = true;
  }
  c->stream(std::move(d));
}

}  // namespace

void handle_backup(const context& c) {
  auto inst = find_instance_or_fail(c);
  if (!inst) return;
  if (c->segs.size() == 4) {
    if (c->method() == http::verb::post) return begin(c, inst);
    if (c->method() == http::verb::delete_) return end(c, inst);
    return answer_status(c, inst, 200);
  }
  const std::string& what = c->segs[4];
  if (what == "files") return download(c, inst);
  if (what == "max-rate") return set_max_rate(c, inst);
  if (what == "attach-info") {
    return async_attach_info(inst, [c](error_code ec, std::vector<std::string> files) {
      if (ec) return c->fail(ec);
      c->json(200, {{"files", names_json(files)}});
    });
  }
  if (what == "log-info") {
    return async_log_info(inst, [c](error_code ec, log_range r) {
      if (ec) return c->fail(ec);
      c->json(200, {{"files", names_json(r.files)}, {"gen_low", r.generation_low}, {"gen_high", r.generation_high}});
    });
  }
  if (what == "truncate-log-info") {
    return async_truncate_log_info(inst, [c](error_code ec, std::vector<std::string> files) {
      if (ec) return c->fail(ec);
      c->json(200, {{"files", names_json(files)}});
    });
  }
  if (what == "truncate-log") {
    return async_truncate_log(inst, [c](error_code ec) {
      if (ec) return c->fail(ec);
      c->json(200, {{"result", "truncated"}});
    });
  }
  // stop
  c->stats.stop_requested(inst->name());
  async_stop_backup(inst, [c, inst](error_code ec) {
    if (ec) return c->fail(ec);
    c->downloads.interrupt(inst->name());
    c->json(200, {{"result", "stopped"}});
  });
}

void handle_legacy_stop(const context& c) {
  error_code ec;
  auto inst = c->eng.legacy_instance(ec);
  if (inst) c->stats.stop_requested(inst->name());
  async_stop_backup(c->eng, [c, inst](error_code e) {
    if (e) return c->fail(e);
    if (inst) c->downloads.interrupt(inst->name());
    c->json(200, {{"result", "stopped"}});
  });
}

}  // namespace jetstrand::net
