#include "gateway/admin/api.h"

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include <algorithm>

#include "gateway/admin/metrics.h"

namespace edgemq::admin {

namespace {

using nlohmann::json;

http::Response json_response(const json& body, int status = 200) {
  http::Response r;
  r.status = status;
  r.body = body.dump() + "\n";
  return r;
}

json pairs_object(const std::vector<std::pair<std::string, uint64_t>>& pairs) {
  json o = json::object();
  for (const auto& [k, v] : pairs) o[k] = v;
  return o;
}

json health(const Snapshot& s) {
  json listeners = json::object();
  for (const auto& [name, port] : s.listeners) listeners[name] = port;
  return {{"status", s.store_ok ? "ok" : "degraded"},
          {"live", true},
          {"ready", s.store_ok},
          {"version", s.version},
          {"uptime_s", s.uptime_s},
          {"listeners", listeners},
          {"store", {{"ok", s.store_ok}, {"errors", s.store_errors}}}};
}

json stats(const Snapshot& s) {
  json by_listener = json::object(), by_protocol = json::object();
  for (const auto& c : s.connected_by) {
    by_listener[c.listener] = by_listener.value(c.listener, uint64_t{0}) + c.count;
    by_protocol[c.protocol] = by_protocol.value(c.protocol, uint64_t{0}) + c.count;
  }
  return {{"version", s.version},
          {"uptime_s", s.uptime_s},
          {"connections", {{"current", s.connections},
                           {"by_listener", by_listener},
                           {"by_protocol", by_protocol},
                           {"accepted", pairs_object(s.accepted_by_listener)},
                           {"protocol_errors", s.protocol_errors},
                           {"keepalive_timeouts", s.keepalive_timeouts},
                           {"tls_handshake_failures", s.tls_handshake_failures}}},
          {"messages", {{"received", s.messages_received},
                        {"sent", s.messages_sent},
                        {"dropped", pairs_object(s.dropped)},
                        {"wills_published", s.wills_published}}},
          {"bytes", {{"received", s.bytes_received}, {"sent", s.bytes_sent}}},
          {"retained", s.retained},
          {"sessions_expired", s.sessions_expired},
          {"store", {{"ok", s.store_ok}, {"errors", s.store_errors}}},
          {"process", {{"rss_bytes", s.process_rss_bytes},
                       {"cpu_seconds", s.process_cpu_seconds},
                       {"open_fds", s.process_open_fds}}}};
}

struct Route {
  const char* path;
  bool open;  // answered without a token (health checks from Docker and load balancers)
  http::Response (*get)(const Snapshot&);
};

const Route kRoutes[] = {
    {"/api/v1/health", true,
     [](const Snapshot& s) { return json_response(health(s), s.store_ok ? 200 : 503); }},
    {"/api/v1/stats", false, [](const Snapshot& s) { return json_response(stats(s)); }},
    {"/metrics", false,
     [](const Snapshot& s) {
       http::Response r;
       r.content_type = "text/plain; version=0.0.4; charset=utf-8";
       r.body = render_metrics(s);
       return r;
     }},
};

}  // namespace

http::Response error_response(int status, std::string_view code, std::string_view message) {
  return json_response({{"error", code}, {"message", message}}, status);
}

Api::Api(std::vector<std::string> tokens, std::function<Snapshot()> snapshot)
    : tokens_(std::move(tokens)), snapshot_(std::move(snapshot)) {}

bool Api::authorized(const http::Request& request) const {
  if (tokens_.empty()) return true;  // loopback only: see AdminServer
  const auto value = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!value || value->substr(0, kBearer.size()) != kBearer) return false;
  const std::string_view token = value->substr(kBearer.size());
  // In constant time, so the answer's timing says nothing about a token.
  return std::any_of(tokens_.begin(), tokens_.end(), [&](const std::string& t) {
    return t.size() == token.size() && CRYPTO_memcmp(t.data(), token.data(), t.size()) == 0;
  });
}

http::Response Api::handle(const http::Request& request) const {
  const Route* route = nullptr;
  for (const Route& r : kRoutes) {
    if (request.path == r.path) route = &r;
  }
  if (route == nullptr) return error_response(404, "not_found", "no route " + request.path);
  if (request.method != "GET") {
    http::Response r = error_response(405, "method_not_allowed", request.method + " " + request.path);
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  if (!route->open && !authorized(request)) {
    http::Response r = error_response(401, "unauthorized", "a valid 'Authorization: Bearer <token>' is needed");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"edgemq\"");
    return r;
  }
  return route->get(snapshot_());
}

}  // namespace edgemq::admin
