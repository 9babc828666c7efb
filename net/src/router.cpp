#include "router.hpp"

#include "jetstrand/names.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

namespace jetstrand::net {
namespace http = boost::beast::http;

namespace {

http_error not_found(std::string_view what) {
  return make_http_error(404, jet_errc::invalid_parameter, std::string(what) + " not found");
}

http_error method_not_allowed() {
  return make_http_error(405, jet_errc::invalid_parameter, "method not allowed");
}

boost::json::object describe(const instance& inst) {
  boost::json::array databases;
  for (const auto& name : inst.database_names()) databases.emplace_back(name);
  return {{"name", inst.name()},
          {"state", std::string(to_string(inst.state()))},
          {"databases", std::move(databases)},
          {"backup", nullptr}};
}

}  // namespace

response router::error_response(const http_error& err, unsigned version, bool keep_alive) {
  response res{static_cast<http::status>(err.status), version};
  res.set(http::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = err.body();
  res.prepare_payload();
  return res;
}

response router::json(unsigned status, const std::string& body, const request& req) const {
  response res{static_cast<http::status>(status), req.version()};
  res.set(http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = body;
  res.prepare_payload();
  return res;
}

response router::handle(const request& req) const {
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url) {
    return error_response(make_http_error(400, jet_errc::invalid_parameter, "malformed target"),
                          req.version(), req.keep_alive());
  }
  std::vector<std::string> segs;
  for (auto seg : url->segments()) segs.push_back(seg);

  auto only = [&](http::verb allowed) { return req.method() == allowed; };
  auto fail = [&](const http_error& e) {
    auto res = error_response(e, req.version(), req.keep_alive());
    if (e.status == 405) res.set(http::field::allow, "GET");
    return res;
  };

  if (segs == std::vector<std::string>{"healthz"}) {
    if (!only(http::verb::get)) return fail(method_not_allowed());
    return json(200, R"({"status":"ok"})", req);
  }
  if (segs == std::vector<std::string>{"v1", "instances"}) {
    if (!only(http::verb::get)) return fail(method_not_allowed());
    boost::json::array list;
    for (const auto& inst : engine_.instances()) list.push_back(describe(*inst));
    boost::json::object out{{"mode", std::string(to_string(engine_.options().mode))},
                            {"instances", std::move(list)}};
    return json(200, boost::json::serialize(out), req);
  }
  if (segs.size() == 3 && segs[0] == "v1" && segs[1] == "instances") {
    if (!only(http::verb::get)) return fail(method_not_allowed());
    if (!is_valid_name(segs[2])) {
      return fail(make_http_error(400, jet_errc::invalid_parameter, "invalid instance name"));
    }
    auto inst = engine_.find_instance(segs[2]);
    if (!inst) return fail(not_found("instance '" + segs[2] + "'"));
    return json(200, boost::json::serialize(describe(*inst)), req);
  }
  return fail(not_found("path '" + std::string(url->path()) + "'"));
}

}  // namespace jetstrand::net
