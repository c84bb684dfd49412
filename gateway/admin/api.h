// The admin endpoint's routes: an HTTP request in, a response out, given a
// way to read the gateway's numbers. Pure apart from that callback, so every
// route and error is unit-tested without sockets.
//
// Routes (docs/admin-api.md): GET /api/v1/health, GET /api/v1/stats,
// GET /metrics. With bearer tokens configured every route but health needs
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
  Api(std::vector<std::string> tokens, std::function<Snapshot()> snapshot);

  http::Response handle(const http::Request& request) const;

 private:
  bool authorized(const http::Request& request) const;

  std::vector<std::string> tokens_;
  std::function<Snapshot()> snapshot_;
};

// The endpoint's error body: {"error": code, "message": text}, where code is
// a short machine-readable name ("not_found", "unauthorized", ...).
http::Response error_response(int status, std::string_view code, std::string_view message);

}  // namespace edgemq::admin
