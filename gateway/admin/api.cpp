#include "gateway/admin/api.h"

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "gateway/admin/metrics.h"
#include "protocols/mqtt/topic.h"

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

// A payload as JSON shows it: text when it is valid UTF-8, else base64.
void put_payload(json& item, const std::string& payload) {
  if (mqtt::valid_utf8(payload)) {
    item["payload"] = payload;
    item["payload_encoding"] = "text";
    return;
  }
  std::string b64(4 * ((payload.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                reinterpret_cast<const unsigned char*>(payload.data()), static_cast<int>(payload.size()));
  b64.resize(static_cast<size_t>(n));
  item["payload"] = b64;
  item["payload_encoding"] = "base64";
}

json retained_item(const RetainedItem& m) {
  json item = {{"topic", m.topic}, {"qos", m.qos}, {"size", m.payload.size()}};
  put_payload(item, m.payload);
  if (m.expires_at_ms != 0) item["expires_at_ms"] = m.expires_at_ms;
  if (!m.content_type.empty()) item["content_type"] = m.content_type;
  return item;
}

// A whole number query parameter within [lo, hi], `fallback` when absent;
// nullopt when present and not such a number.
std::optional<size_t> count_param(const http::Request& r, std::string_view key, size_t fallback, size_t lo,
                                  size_t hi) {
  const auto v = r.query_param(key);
  if (!v) return fallback;
  size_t n = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || n < lo || n > hi) return std::nullopt;
  return n;
}

http::Response retained_list(const Api::Sources& src, const http::Request& r, std::string_view) {
  const std::string filter = r.query_param("filter").value_or("#");
  if (!mqtt::valid_topic_filter(filter) || mqtt::is_shared_filter(filter)) {
    return error_response(400, "bad_filter", "not a topic filter: " + filter);
  }
  const auto limit = count_param(r, "limit", 100, 1, 1000);
  const auto offset = count_param(r, "offset", 0, 0, SIZE_MAX);
  if (!limit || !offset) return error_response(400, "bad_paging", "limit is 1..1000, offset 0 or more");
  const std::vector<RetainedItem> all = src.retained(filter);
  json items = json::array();
  for (size_t i = *offset; i < all.size() && items.size() < *limit; ++i) items.push_back(retained_item(all[i]));
  return json_response({{"total", all.size()}, {"offset", *offset}, {"limit", *limit}, {"items", items}});
}

http::Response retained_one(const Api::Sources& src, const http::Request&, std::string_view rest) {
  const auto topic = http::percent_decode(rest);
  if (!topic || !mqtt::valid_topic_name(*topic)) {
    return error_response(400, "bad_topic", "not a topic name: " + std::string(rest));
  }
  // A topic name is a filter that matches only itself.
  const std::vector<RetainedItem> found = src.retained(*topic);
  if (found.empty()) return error_response(404, "not_found", "nothing retained on " + *topic);
  return json_response(retained_item(found.front()));
}

struct Route {
  const char* path;
  bool prefix;  // the path is a prefix; the rest goes to the handler (a topic)
  bool open;    // answered without a token (health checks from Docker and load balancers)
  http::Response (*get)(const Api::Sources&, const http::Request&, std::string_view rest);
};

const Route kRoutes[] = {
    {"/api/v1/health", false, true,
     [](const Api::Sources& src, const http::Request&, std::string_view) {
       const Snapshot s = src.snapshot();
       return json_response(health(s), s.store_ok ? 200 : 503);
     }},
    {"/api/v1/stats", false, false,
     [](const Api::Sources& src, const http::Request&, std::string_view) {
       return json_response(stats(src.snapshot()));
     }},
    {"/metrics", false, false,
     [](const Api::Sources& src, const http::Request&, std::string_view) {
       http::Response r;
       r.content_type = "text/plain; version=0.0.4; charset=utf-8";
       r.body = render_metrics(src.snapshot());
       return r;
     }},
    {"/api/v1/retained", false, false, retained_list},
    {"/api/v1/retained/", true, false, retained_one},
};

}  // namespace

http::Response error_response(int status, std::string_view code, std::string_view message) {
  return json_response({{"error", code}, {"message", message}}, status);
}

Api::Api(std::vector<std::string> tokens, Sources sources)
    : tokens_(std::move(tokens)), sources_(std::move(sources)) {}

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
  std::string_view rest;
  for (const Route& r : kRoutes) {
    const std::string_view p = r.path;
    if (request.path == p || (r.prefix && request.path.size() > p.size() && request.path.starts_with(p))) {
      route = &r;
      if (r.prefix) rest = std::string_view(request.path).substr(p.size());
      break;
    }
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
  return route->get(sources_, request, rest);
}

}  // namespace edgemq::admin
