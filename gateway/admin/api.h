// The admin endpoint's routes: an HTTP request in, a response out, given a
// Backend to ask. Pure apart from the Backend, so every route and error is
// unit-tested without sockets or a gateway.
//
// Routes (docs/admin-api.md, docs/openapi.json): GET /api/v1/health,
// /api/v1/stats, /metrics; clients (GET list and one, DELETE = kick),
// subscriptions, topics; retained (GET list and one, DELETE); POST
// /api/v1/publish. With bearer tokens configured every route but health
// needs `Authorization: Bearer <token>`; errors are {"error": code,
// "message": text}.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/admin/backend.h"
#include "protocols/http/request.h"
#include "protocols/http/response.h"

namespace edgemq::admin {

class Api {
 public:
  // The backend is called on the admin thread only.
  Api(std::vector<std::string> tokens, std::shared_ptr<Backend> backend);

  http::Response handle(const http::Request& request) const;

 private:
  bool authorized(const http::Request& request) const;

  std::vector<std::string> tokens_;
  std::shared_ptr<Backend> backend_;
};

// The endpoint's error body: {"error": code, "message": text}, where code is
// a short machine-readable name ("not_found", "unauthorized", ...).
http::Response error_response(int status, std::string_view code, std::string_view message);

}  // namespace edgemq::admin
