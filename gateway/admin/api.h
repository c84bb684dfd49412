// The admin endpoint's routes: an HTTP request in, a response out, given a
// way to read the gateway's numbers. Pure apart from that callback, so every
// route and error is unit-tested without sockets.
//
// Routes (docs/admin-api.md, docs/openapi.json): GET /api/v1/health,
// /api/v1/stats, /metrics, /api/v1/retained, /api/v1/retained/{topic}. With bearer tokens configured every route but health needs
// `Authorization: Bearer <token>`; errors are {"error": code, "message": text}.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/admin/snapshot.h"
#include "protocols/http/request.h"
#include "protocols/http/response.h"

namespace edgemq::admin {

class Api {
 public:
  // What the routes read; each is called on the admin thread and must be
  // safe there.
  struct Sources {
    std::function<Snapshot()> snapshot;
    // Retained messages whose topic matches an MQTT filter (already checked
    // to be valid), unexpired, in topic order.
    std::function<std::vector<RetainedItem>(const std::string& filter)> retained;
  };

  Api(std::vector<std::string> tokens, Sources sources);

  http::Response handle(const http::Request& request) const;

 private:
  bool authorized(const http::Request& request) const;

  std::vector<std::string> tokens_;
  Sources sources_;
};

// The endpoint's error body: {"error": code, "message": text}, where code is
// a short machine-readable name ("not_found", "unauthorized", ...).
http::Response error_response(int status, std::string_view code, std::string_view message);

}  // namespace edgemq::admin
