#include "gateway/admin/api.h"

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "gateway/admin/dashboard.h"
#include "gateway/admin/json_views.h"
#include "gateway/admin/metrics.h"
#include "protocols/mqtt/topic.h"

namespace edgemq::admin {

namespace {

using nlohmann::json;

http::Response json_response(const json& body, int status = 200) {
  http::Response r;
  r.status = status;
  // Replace, not throw: an error message may echo bytes a client sent that
  // are not UTF-8, and a username from a certificate need not be either.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  return r;
}

// The answer for an outcome that is not Ok; `what` names the thing not found.
http::Response failure(Outcome o, const std::string& what) {
  switch (o) {
    case Outcome::NotFound: return error_response(404, "not_found", what + " not found");
    case Outcome::NotConnected:
      return error_response(409, "not_connected", what + " is not connected; ?session=true discards its session");
    case Outcome::StoreError: return error_response(500, "store_error", "the store refused the change; see the log");
    case Outcome::Busy:
    case Outcome::Ok: break;
  }
  return error_response(503, "busy", "the gateway's workers did not answer in time; try again");
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

std::optional<Paging> paging_params(const http::Request& r) {
  const auto limit = count_param(r, "limit", 100, 1, 1000);
  const auto offset = count_param(r, "offset", 0, 0, SIZE_MAX);
  if (!limit || !offset) return std::nullopt;
  return Paging{*offset, *limit};
}

http::Response bad_paging() { return error_response(400, "bad_paging", "limit is 1..1000, offset 0 or more"); }

template <typename T, typename ToJson>
http::Response page_response(const Page<T>& page, const Paging& p, ToJson to_json) {
  json items = json::array();
  for (const T& item : page.items) items.push_back(to_json(item));
  return json_response({{"total", page.total}, {"offset", p.offset}, {"limit", p.limit}, {"items", items}});
}

// The rest of a path after a route's prefix, percent-decoded: a client id
// or a topic, which may hold '/'.
std::optional<std::string> path_rest(std::string_view rest) {
  auto decoded = http::percent_decode(rest, false);  // '+' is itself in a path
  if (!decoded || decoded->empty() || !mqtt::valid_utf8(*decoded)) return std::nullopt;
  return decoded;
}

http::Response health(Backend& b, const http::Request&, std::string_view) {
  const Snapshot s = b.health_snapshot();
  return json_response(health_json(s), s.ready() ? 200 : 503);
}

// The counters and, when the workers answer within a second, what their
// sessions hold.
Snapshot full_snapshot(Backend& b) {
  Snapshot s = b.snapshot();
  s.sessions = b.session_totals();
  return s;
}

http::Response stats(Backend& b, const http::Request&, std::string_view) {
  return json_response(stats_json(full_snapshot(b)));
}

http::Response metrics(Backend& b, const http::Request&, std::string_view) {
  http::Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = render_metrics(full_snapshot(b));
  return r;
}

http::Response retained_list(Backend& b, const http::Request& r, std::string_view) {
  const std::string filter = r.query_param("filter").value_or("#");
  if (!mqtt::valid_topic_filter(filter) || mqtt::is_shared_filter(filter)) {
    return error_response(400, "bad_filter", "not a topic filter: " + filter);
  }
  const auto paging = paging_params(r);
  if (!paging) return bad_paging();
  const std::vector<RetainedItem> all = b.retained(filter);
  Page<RetainedItem> page{all.size(), {}};
  for (size_t i = paging->offset; i < all.size() && page.items.size() < paging->limit; ++i) {
    page.items.push_back(all[i]);
  }
  return page_response(page, *paging, retained_json);
}

std::optional<std::string> retained_topic(std::string_view rest) {
  auto topic = path_rest(rest);
  if (!topic || !mqtt::valid_topic_name(*topic)) return std::nullopt;
  return topic;
}

http::Response retained_one(Backend& b, const http::Request&, std::string_view rest) {
  const auto topic = retained_topic(rest);
  if (!topic) return error_response(400, "bad_topic", "not a topic name: " + std::string(rest));
  // A topic name is a filter that matches only itself.
  const std::vector<RetainedItem> found = b.retained(*topic);
  if (found.empty()) return error_response(404, "not_found", "nothing retained on " + *topic);
  return json_response(retained_json(found.front()));
}

http::Response retained_delete(Backend& b, const http::Request&, std::string_view rest) {
  const auto topic = retained_topic(rest);
  if (!topic) return error_response(400, "bad_topic", "not a topic name: " + std::string(rest));
  const Outcome o = b.delete_retained(*topic);
  if (o == Outcome::NotFound) return error_response(404, "not_found", "nothing retained on " + *topic);
  if (o != Outcome::Ok) return failure(o, *topic);
  return json_response({{"topic", *topic}, {"deleted", true}});
}

http::Response clients_list(Backend& b, const http::Request& r, std::string_view) {
  ClientQuery q;
  q.id_prefix = r.query_param("id_prefix").value_or("");
  q.username = r.query_param("username").value_or("");
  q.transport = r.query_param("transport").value_or("");
  if (!q.transport.empty() && q.transport != "mqtt" && q.transport != "ws" && q.transport != "mqtts" &&
      q.transport != "wss") {
    return error_response(400, "bad_transport", "transport is mqtt, ws, mqtts or wss");
  }
  const std::string state = r.query_param("state").value_or("");
  if (state == "connected") {
    q.state = ClientQuery::State::Connected;
  } else if (state == "offline") {
    q.state = ClientQuery::State::Offline;
  } else if (!state.empty()) {
    return error_response(400, "bad_state", "state is connected or offline");
  }
  const auto paging = paging_params(r);
  if (!paging) return bad_paging();
  q.paging = *paging;
  const Answer<Page<ClientItem>> a = b.clients(q);
  if (a.outcome != Outcome::Ok) return failure(a.outcome, "clients");
  return page_response(a.value, *paging, client_json);
}

http::Response client_one(Backend& b, const http::Request&, std::string_view rest) {
  const auto id = path_rest(rest);
  if (!id) return error_response(400, "bad_client_id", "not a client id: " + std::string(rest));
  const Answer<ClientItem> a = b.client(*id);
  if (a.outcome != Outcome::Ok) return failure(a.outcome, "client " + *id);
  return json_response(client_json(a.value));
}

http::Response client_kick(Backend& b, const http::Request& r, std::string_view rest) {
  const auto id = path_rest(rest);
  if (!id) return error_response(400, "bad_client_id", "not a client id: " + std::string(rest));
  const std::string session = r.query_param("session").value_or("false");
  if (session != "true" && session != "false") return error_response(400, "bad_session", "session is true or false");
  const Outcome o = b.kick(*id, session == "true");
  if (o != Outcome::Ok) return failure(o, "client " + *id);
  return json_response({{"client_id", *id}, {"kicked", true}, {"session_discarded", session == "true"}});
}

http::Response subscriptions_list(Backend& b, const http::Request& r, std::string_view) {
  SubscriptionQuery q;
  q.client_id = r.query_param("client_id").value_or("");
  q.filter = r.query_param("filter").value_or("");
  q.share_group = r.query_param("share_group").value_or("");
  if (r.query_param("qos")) {
    const auto qos = count_param(r, "qos", 0, 0, 2);
    if (!qos) return error_response(400, "bad_qos", "qos is 0, 1 or 2");
    q.qos = static_cast<int>(*qos);
  }
  const auto paging = paging_params(r);
  if (!paging) return bad_paging();
  q.paging = *paging;
  const Answer<Page<SubscriptionItem>> a = b.subscriptions(q);
  if (a.outcome != Outcome::Ok) return failure(a.outcome, "subscriptions");
  return page_response(a.value, *paging, subscription_json);
}

http::Response topics_list(Backend& b, const http::Request& r, std::string_view) {
  TopicQuery q;
  q.match = r.query_param("match").value_or("");
  if (!q.match.empty() && !mqtt::valid_topic_name(q.match)) {
    return error_response(400, "bad_topic", "match takes a topic name (no wildcards): " + q.match);
  }
  const auto paging = paging_params(r);
  if (!paging) return bad_paging();
  q.paging = *paging;
  const Answer<Page<TopicItem>> a = b.topics(q);
  if (a.outcome != Outcome::Ok) return failure(a.outcome, "topics");
  return page_response(a.value, *paging, topic_json);
}

http::Response publish(Backend& b, const http::Request& r, std::string_view) {
  std::string error;
  std::optional<PublishRequest> p = parse_publish(r.body, error);
  if (!p) return error_response(400, "bad_request", error);
  const std::string topic = p->topic;
  const uint8_t qos = p->qos;
  const bool retain = p->retain;
  const Answer<size_t> a = b.publish(std::move(*p));
  if (a.outcome == Outcome::Busy) {
    // Routed perhaps, unconfirmed: a blind retry could publish it twice.
    return error_response(503, "busy", "not confirmed within 3 s (a full subscriber queue holds QoS 1/2 "
                                       "acknowledgements up to ack_hold_timeout); it may have been published");
  }
  if (a.outcome != Outcome::Ok) return failure(a.outcome, topic);
  return json_response({{"topic", topic}, {"qos", qos}, {"retain", retain}, {"matched", a.value}});
}

// The dashboard's page and files (dashboard.h), built into the binary.
http::Response dashboard(Backend&, const http::Request& r, std::string_view) {
  std::optional<http::Response> asset = dashboard_asset(r.path);
  if (!asset) return error_response(404, "not_found", "no dashboard file " + r.path);
  return std::move(*asset);
}

using Handler = http::Response (*)(Backend&, const http::Request&, std::string_view rest);

struct Route {
  const char* method;
  const char* path;
  bool prefix;  // the path is a prefix; the rest (a client id, a topic) goes to the handler
  bool open;    // answered without a token (health checks from Docker and load balancers)
  Handler handler;
};

const Route kRoutes[] = {
    {"GET", "/api/v1/health", false, true, health},
    {"GET", "/api/v1/stats", false, false, stats},
    {"GET", "/metrics", false, false, metrics},
    {"GET", "/api/v1/clients", false, false, clients_list},
    {"GET", "/api/v1/clients/", true, false, client_one},
    {"DELETE", "/api/v1/clients/", true, false, client_kick},
    {"GET", "/api/v1/subscriptions", false, false, subscriptions_list},
    {"GET", "/api/v1/topics", false, false, topics_list},
    {"GET", "/api/v1/retained", false, false, retained_list},
    {"GET", "/api/v1/retained/", true, false, retained_one},
    {"DELETE", "/api/v1/retained/", true, false, retained_delete},
    {"POST", "/api/v1/publish", false, false, publish},
    // Open: the page and its files hold no data; the page asks the routes above.
    {"GET", "/", false, true, dashboard},
    {"GET", "/dashboard/", true, true, dashboard},
};

bool path_matches(const Route& r, std::string_view path) {
  const std::string_view p = r.path;
  return path == p || (r.prefix && path.size() > p.size() && path.starts_with(p));
}

}  // namespace

http::Response error_response(int status, std::string_view code, std::string_view message) {
  return json_response({{"error", code}, {"message", message}}, status);
}

Api::Api(std::vector<std::string> tokens, std::shared_ptr<Backend> backend)
    : tokens_(std::move(tokens)), backend_(std::move(backend)) {}

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
  std::string allow;  // the methods the path has, for a 405
  for (const Route& r : kRoutes) {
    if (!path_matches(r, request.path)) continue;
    if (request.method == r.method) {
      route = &r;
      break;
    }
    if (allow.find(r.method) == std::string::npos) allow += std::string(allow.empty() ? "" : ", ") + r.method;
  }
  if (route == nullptr && allow.empty()) return error_response(404, "not_found", "no route " + request.path);
  if (!request.query_decodes()) return error_response(400, "bad_query", "a query value is not percent-encoded right");
  if (route == nullptr) {
    http::Response r = error_response(405, "method_not_allowed", request.method + " " + request.path);
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  if (!route->open && !authorized(request)) {
    http::Response r = error_response(401, "unauthorized", "a valid 'Authorization: Bearer <token>' is needed");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"edgemq\"");
    return r;
  }
  const std::string_view rest =
      route->prefix ? std::string_view(request.path).substr(std::string_view(route->path).size()) : std::string_view();
  return route->handler(*backend_, request, rest);
}

}  // namespace edgemq::admin
