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
  void (*handler)(const context&);  // nullptr: answered by the router itself
};

// Every route, in the order they are matched. A `{…}` segment matches any one segment.
const std::vector<route_shape>& table() {
  using v = http::verb;
  static const std::vector<route_shape> routes{
      {"/", {v::get}, handle_dashboard},
      {"/healthz", {v::get}, nullptr},
      {"/metrics", {v::get}, nullptr},
      {"/v1/openapi.json", {v::get}, handle_openapi},
      {"/v1/backup/stop", {v::post}, handle_legacy_stop},
      {"/v1/instances", {v::get, v::post}, handle_instances},
      {"/v1/instances/{i}", {v::get, v::delete_}, handle_instance},
      {"/v1/instances/{i}/databases", {v::get, v::post}, handle_databases},
      {"/v1/instances/{i}/databases/{d}/keys", {v::get}, handle_key_list},
      {"/v1/instances/{i}/databases/{d}/keys/{key}", {v::get, v::put, v::delete_}, handle_key},
      {"/v1/instances/{i}/backup", {v::get, v::post, v::delete_}, handle_backup},
      {"/v1/instances/{i}/backup/attach-info", {v::get}, handle_backup},
      {"/v1/instances/{i}/backup/log-info", {v::post}, handle_backup},
      {"/v1/instances/{i}/backup/truncate-log-info", {v::get}, handle_backup},
      {"/v1/instances/{i}/backup/truncate-log", {v::post}, handle_backup},
      {"/v1/instances/{i}/backup/stop", {v::post}, handle_backup},
      {"/v1/instances/{i}/backup/max-rate", {v::put}, handle_backup},
      {"/v1/instances/{i}/backup/files/{name}", {v::get}, handle_backup},
  };
  return routes;
}

std::vector<std::string_view> template_segments(std::string_view name) {
  std::vector<std::string_view> out;
  if (name == "/") return out;
  while (!name.empty()) {
    name.remove_prefix(1);  // the '/'
    const auto slash = name.find('/');
    out.push_back(name.substr(0, slash));
    name = slash == std::string_view::npos ? std::string_view{} : name.substr(slash);
  }
  return out;
}

// Which route a path is, by its segments (nullptr: none).
const route_shape* match(const std::vector<std::string>& s) {
  for (const auto& r : table()) {
    const auto t = template_segments(r.name);
    if (t.size() != s.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < t.size() && same; ++i) same = t[i].front() == '{' || t[i] == s[i];
    if (same) return &r;
  }
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
        g->figures.push_back({name, s.commits, s.log_flushes, s.cache_bytes, s.cache_budget, s.cache_hits,
                              s.cache_misses, s.cache_reads_os_cached, s.cache_reads_waited, s.spilled_pages});
      }
      arrive();
    });
  }
  arrive();
}

}  // namespace

std::vector<route_description> route_table() {
  std::vector<route_description> out;
  for (const auto& r : table()) out.push_back({r.name, r.methods});
  return out;
}

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
  if (c->segs.size() == 1 && c->segs[0].empty()) c->segs.clear();  // "/": no segment
  for (auto p : url->params()) c->query[p.key] = p.value;

  // Every route but /healthz needs the token when there is one (reads too: values and
  // backup files are the data), and /metrics unless the operator opened it.
  // The dashboard page is open too: it holds no data, and a browser cannot send the token
  // when it loads a page; the page asks for the token and sends it with every API call.
  const bool open_route = (c->segs.empty() && req->method() == http::verb::get) || (c->segs.size() == 1 && c->segs[0] == "healthz") ||
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
