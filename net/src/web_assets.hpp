#pragma once
// Files served as they are, embedded at build time (net/embed_web.cmake): nothing is read
// from disk at run time, so the binary alone serves them.

#include <string_view>

namespace jetstrand::net {

extern const std::string_view dashboard_page;    // GET /: net/web/, one HTML page
extern const std::string_view openapi_document;  // GET /v1/openapi.json: docs/openapi.json

}  // namespace jetstrand::net
