#include "router.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <mutex>

namespace jetstrand::net {
namespace http = boost::beast::http;

namespace {

// Compares without an early exit, so the time taken does not tell how much of a guess was
// right.
bool same_secret(std::string_view given, std::string_view expected) {
  if (given.size() != expected.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  }
  return diff == 0;
}

struct route_shape {
  std::string name;                 // the template, for metrics and errors
  std::vector<http::verb> methods;  // allowed
  void (*handler)(const context&);
};

// Which route a path is, by its segments (nullptr: none).
const route_shape* match(const std::vector<std::string>& s) {
  using v = http::verb;
  static const route_shape healthz{"/healthz", {v::get}, nullptr};
  static const route_shape metrics_route{"/metrics", {v::get}, nullptr};
  static const route_shape instances{"/v1/instances", {v::get, v::post}, handle_instances};
  static const route_shape instance{"/v1/instances/{i}", {v::get, v::delete_}, handle_instance};
  static const route_shape databases{"/v1/instances/{i}/databases", {v::get, v::post}, handle_databases};
  static const route_shape keys{"/v1/instances/{i}/databases/{d}/keys", {v::get}, handle_key_list};
  static const route_shape key{"/v1/instances/{i}/databases/{d}/keys/{key}", {v::get, v::put, v::delete_}, handle_key};
  static const route_shape backup{"/v1/instances/{i}/backup", {v::get, v::post, v::delete_}, handle_backup};
  static const route_shape attach{"/v1/instances/{i}/backup/attach-info", {v::get}, handle_backup};
  static const route_shape log_info{"/v1/instances/{i}/backup/log-info", {v::post}, handle_backup};
  static const route_shape trunc_info{"/v1/instances/{i}/backup/truncate-log-info", {v::get}, handle_backup};
  static const route_shape trunc{"/v1/instances/{i}/backup/truncate-log", {v::post}, handle_backup};
  static const route_shape stop{"/v1/instances/{i}/backup/stop", {v::post}, handle_backup};
  static const route_shape files{"/v1/instances/{i}/backup/files/{name}", {v::get}, handle_backup};
  static const route_shape legacy_stop{"/v1/backup/stop", {v::post}, handle_legacy_stop};

  const auto n = s.size();
  if (n == 1 && s[0] == "healthz") return &healthz;
  if (n == 1 && s[0] == "metrics") return &metrics_route;
  if (n < 2 || s[0] != "v1") return nullptr;
  if (n == 3 && s[1] == "backup" && s[2] == "stop") return &legacy_stop;
  if (s[1] != "instances") return nullptr;
  if (n == 2) return &instances;
  if (n == 3) return &instance;
  if (s[3] == "databases") {
    if (n == 4) return &databases;
    if (n == 6 && s[5] == "keys") return &keys;
    if (n == 7 && s[5] == "keys") return &key;
    return nullptr;
  }
  if (s[3] != "backup") return nullptr;
  if (n == 4) return &backup;
  if (n == 5) {
    if (s[4] == "attach-info") return &attach;
    if (s[4] == "log-info") return &log_info;
    if (s[4] == "truncate-log-info") return &trunc_info;
    if (s[4] == "truncate-log") return &trunc;
    if (s[4] == "stop") return &stop;
  }
  if (n == 6 && s[4] == "files") return &files;
  return nullptr;
}

std::string allow_header(const route_shape& r) {
  std::string out;
  for (auto m : r.methods) {
    if (!out.empty()) out += ", ";
    out += std::string(http::to_string(m));
  }
  return out;
}

// Reads every instance's figures on its strand, then renders (instances that are not
// running are left out).
void render_metrics(const context& c) {
  struct gathering {
    std::mutex mutex;
    std::vector<metrics::instance_figures> figures;
    std::size_t left = 0;
  };
  auto all = c->eng.instances();
  auto g = std::make_shared<gathering>();
  g->left = all.size() + 1;
  auto arrive = [c, g] {
    std::unique_lock lock(g->mutex);
    if (--g->left) return;
    auto figures = std::move(g->figures);
    lock.unlock();
    std::sort(figures.begin(), figures.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    c->send(200, c->stats.render(figures), "text/plain; version=0.0.4");
  };
  for (auto& inst : all) {
    inst->async_stats([g, arrive, name = inst->name()](boost::system::error_code ec, storage_stats s) {
      if (!ec) {
        std::lock_guard lock(g->mutex);
        g->figures.push_back({name, s.commits, s.log_flushes, s.cache_bytes, s.cache_budget, s.cache_hits, s.cache_misses});
      }
      arrive();
    });
  }
  arrive();
}

}  // namespace

router::auth router::authenticate(const request& req) const {
  auto it = req.find(http::field::authorization);
  if (it == req.end()) return auth::missing;
  std::string_view value = it->value();
  constexpr std::string_view scheme = "Bearer ";
  if (value.size() < scheme.size() || value.substr(0, scheme.size()) != scheme) return auth::wrong;
  return same_secret(value.substr(scheme.size()), options_.token) ? auth::ok : auth::wrong;
}

void router::dispatch(std::shared_ptr<const request> req, reply_handler done) const {
  auto c = std::make_shared<route_context>(
      route_context{req, {}, {}, "unknown", engine_, metrics_, downloads_, std::move(done), shared_from_this()});
  auto url = boost::urls::parse_origin_form(req->target());
  if (!url) return c->fail(make_http_error(400, jet_errc::invalid_parameter, "malformed target"));
  for (auto seg : url->segments()) c->segs.push_back(seg);
  for (auto p : url->params()) c->query[p.key] = p.value;

  // Every route but /healthz needs the token when there is one (reads too: values and
  // backup files are the data), and /metrics unless the operator opened it.
  const bool open_route = (c->segs.size() == 1 && c->segs[0] == "healthz") ||
                          (options_.metrics_open && c->segs.size() == 1 && c->segs[0] == "metrics");
  if (!options_.token.empty() && !open_route) {
    if (const auto a = authenticate(*req); a != auth::ok) {
      const bool missing = a == auth::missing;
      stats().auth_refused();
      JETSTRAND_LOG(log_, log_level::info) << "refused " << req->method_string() << " " << req->target()
                                           << (missing ? ": no token" : ": wrong token");
      return c->fail(make_http_error(
          401, jet_errc::invalid_parameter,
          missing ? "this server needs a token: send \"Authorization: Bearer <token>\""
                  : "the token sent in \"Authorization: Bearer …\" is not this server's"));
    }
  }
  const route_shape* r = match(c->segs);
  if (!r) return c->fail(make_http_error(404, jet_errc::invalid_parameter, "no such path: " + std::string(url->path())));
  c->route = r->name;
  if (std::find(r->methods.begin(), r->methods.end(), req->method()) == r->methods.end()) {
    auto res = make_error_response(
        make_http_error(405, jet_errc::invalid_parameter,
                        std::string(req->method_string()) + " is not allowed on " + r->name),
        req->version(), req->keep_alive());
    res.set(http::field::allow, allow_header(*r));
    return c->done(reply{c->route, std::move(res), std::nullopt});
  }
  if (r->name == "/healthz") return c->json(200, {{"status", "ok"}});
  if (r->name == "/metrics") return render_metrics(c);
  r->handler(c);
}

}  // namespace jetstrand::net
