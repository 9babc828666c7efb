// Instances and databases (SPEC §4).
#include "instance_json.hpp"
#include "route_context.hpp"

#include "jetstrand/names.hpp"

#include <boost/json/array.hpp>

namespace jetstrand::net {
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

// The "name" member of the body: a valid name, else a 400 is answered and nullopt returned.
std::optional<std::string> name_from_body(const context& c) {
  boost::json::object body;
  if (!body_object(c, body)) return std::nullopt;
  auto it = body.find("name");
  if (it == body.end() || !it->value().is_string()) {
    c->fail(make_http_error(400, jet_errc::invalid_parameter, "the body needs a \"name\" string"));
    return std::nullopt;
  }
  std::string name(it->value().as_string());
  if (!is_valid_name(name)) {
    c->fail(make_http_error(400, jet_errc::invalid_parameter, "invalid name '" + name + "': use [A-Za-z0-9_-]{1,64}"));
    return std::nullopt;
  }
  return name;
}

}  // namespace

void handle_instances(const context& c) {
  if (c->method() == http::verb::get) {
    describe_instances(c->eng.instances(), [c](boost::json::array list) {
      c->json(200, {{"mode", std::string(to_string(c->eng.options().mode))}, {"instances", std::move(list)}});
    });
    return;
  }
  auto name = name_from_body(c);
  if (!name) return;
  c->eng.async_create_instance(*name, [c](error_code ec, std::shared_ptr<instance> inst) {
    if (ec) return c->fail(ec);
    describe_instance(inst, [c](boost::json::object o) { c->json(201, o); });
  });
}

void handle_instance(const context& c) {
  auto inst = find_instance_or_fail(c);
  if (!inst) return;
  if (c->method() == http::verb::get) {
    describe_instance(inst, [c](boost::json::object o) { c->json(200, o); });
    return;
  }
  terminate_mode mode = terminate_mode::abrupt;  // SPEC §3: abrupt is the default
  if (auto it = c->query.find("mode"); it != c->query.end()) {
    if (it->second == "complete") {
      mode = terminate_mode::complete;
    } else if (it->second != "abrupt") {
      return c->fail(make_http_error(400, jet_errc::invalid_parameter, "mode must be abrupt or complete"));
    }
  }
  inst->async_terminate(mode, [c, inst](error_code ec) {
    if (ec) return c->fail(ec);
    c->json(200, {{"name", inst->name()}, {"state", std::string(to_string(inst->state()))}});
  });
}

void handle_databases(const context& c) {
  auto inst = find_instance_or_fail(c);
  if (!inst) return;
  if (c->method() == http::verb::get) {
    boost::json::array names;
    for (const auto& n : inst->database_names()) names.emplace_back(n);
    return c->json(200, {{"databases", std::move(names)}});
  }
  auto name = name_from_body(c);
  if (!name) return;
  inst->async_create_database(*name, [c, name = *name](error_code ec) {
    if (ec) return c->fail(ec);
    c->json(201, {{"name", name}});
  });
}

}  // namespace jetstrand::net
