// The admin endpoint without sockets: HTTP requests parsed as they arrive,
// routes, errors and tokens, and the Prometheus page's format.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "gateway/admin/api.h"
#include "gateway/admin/json_views.h"
#include "gateway/admin/metrics.h"
#include "protocols/http/request.h"
#include "protocols/mqtt/topic.h"

namespace edgemq {
namespace {

using http::ParseError;
using http::Request;
using http::RequestParser;

std::vector<Request> parse_all(const std::string& bytes, size_t chunk, std::optional<ParseError>& error,
                               http::ParseLimits limits = {}) {
  RequestParser p(limits);
  std::vector<Request> out;
  for (size_t at = 0; at < bytes.size() && !error; at += chunk) {
    const std::string piece = bytes.substr(at, chunk);
    p.feed({reinterpret_cast<const uint8_t*>(piece.data()), piece.size()}, out, error);
  }
  return out;
}

TEST(HttpRequest, TwoRequestsOnOneConnectionWhateverTheReads) {
  const std::string wire =
      "GET /api/v1/clients?prefix=dev%2F1&limit=5 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n"
      "POST /api/v1/publish HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world";
  for (size_t chunk : {size_t{1}, size_t{5}, wire.size()}) {
    std::optional<ParseError> error;
    const auto r = parse_all(wire, chunk, error);
    ASSERT_FALSE(error) << error->message;
    ASSERT_EQ(r.size(), 2u) << "chunk " << chunk;
    EXPECT_EQ(r[0].method, "GET");
    EXPECT_EQ(r[0].path, "/api/v1/clients");
    EXPECT_EQ(r[0].query_param("prefix"), "dev/1");
    EXPECT_EQ(r[0].query_param("limit"), "5");
    EXPECT_FALSE(r[0].query_param("none"));
    EXPECT_EQ(r[0].header("authorization"), "Bearer t");
    EXPECT_TRUE(r[0].keep_alive);
    EXPECT_EQ(r[1].method, "POST");
    EXPECT_EQ(r[1].body, "hello world");
    EXPECT_FALSE(r[1].keep_alive);
  }
}

TEST(HttpRequest, IdleOnlyBetweenRequests) {
  RequestParser p;
  std::vector<Request> out;
  std::optional<ParseError> error;
  EXPECT_TRUE(p.idle());
  const std::string head = "GET /metrics HTTP/1.1\r\n";
  p.feed({reinterpret_cast<const uint8_t*>(head.data()), head.size()}, out, error);
  EXPECT_FALSE(p.idle()) << "a request has begun";
  p.feed({reinterpret_cast<const uint8_t*>("\r\n"), 2}, out, error);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_TRUE(p.idle());
}

TEST(HttpRequest, BrokenOrOversizeRequestsGetTheirStatus) {
  std::optional<ParseError> error;
  parse_all("BREW /pot HTCPCP/1.0\r\n\r\n", 64, error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 400);

  error.reset();
  parse_all("GET / HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n", 512, error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 431);

  error.reset();
  parse_all("POST / HTTP/1.1\r\nContent-Length: 70000\r\n\r\n", 64, error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 413) << "refused on the header, before any body";

  error.reset();
  http::ParseLimits small;
  small.max_body_bytes = 10;
  parse_all("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n", 7,
            error, small);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 413) << "a chunked body is counted as it comes";
}

admin::Snapshot sample() {
  admin::Snapshot s;
  s.version = "9.9.9";
  s.uptime_s = 42;
  s.listeners = {{"mqtt", 1883}, {"wss", 8084}};
  s.connections = 3;
  s.connected_by = {{"mqtt", "3.1.1", 1}, {"mqtt", "5.0", 0}, {"wss", "5.0", 2}};
  s.accepted_by_listener = {{"mqtt", 10}, {"wss", 2}};
  s.messages_received = 100;
  s.messages_sent = 250;
  s.received_by_qos = {{"0", 60}, {"1", 40}, {"2", 0}};
  s.sent_by_qos = {{"0", 200}, {"1", 50}, {"2", 0}};
  s.received_payload_bytes_by_qos = {{"0", 600}, {"1", 4000}, {"2", 0}};
  s.sent_payload_bytes_by_qos = {{"0", 2000}, {"1", 5000}, {"2", 0}};
  s.disconnects = {{"client_disconnect", 4}, {"kicked", 1}};
  s.connect_attempts = {{"mqtt", "accepted", 10}, {"mqtt", "timeout", 2}, {"wss", "handshake_failed", 1}};
  s.commit_duration = {{0.001, 0.01}, {3, 1, 1}, 0.25};
  s.loop_lag = {{{0.001, 0.01}, {9, 1, 0}, 0.004}, {{0.001, 0.01}, {10, 0, 0}, 0.001}};
  s.loop_lag_max_ms = 3.5;
  s.sessions = admin::SessionTotals{3, 2, 17, 4, 9};
  s.dropped = {{"queue_full", 7}};
  s.retained = 5;
  s.store_bytes = 123456;
  s.process_rss_bytes = 1 << 20;
  s.process_cpu_seconds = 1.5;
  return s;
}

std::vector<admin::RetainedItem> three_retained(const std::string& filter) {
  const std::vector<admin::RetainedItem> all = {
      {"plant/a/temp", "21.5", 1, 0, "text/plain"},
      {"plant/b/raw", std::string("\x00\xff\x10", 3), 0, 0, {}},
      {"plant/b/temp", "19.0", 0, 1900000000000, {}},
  };
  std::vector<admin::RetainedItem> out;
  for (const auto& m : all) {
    if (mqtt::topic_matches(filter, m.topic)) out.push_back(m);
  }
  return out;
}

// Canned answers, and what the routes asked: the routes' parsing and JSON
// are tested here; what the gateway answers, against a real one
// (tests/integration/admin_test.cpp).
class FakeBackend final : public admin::Backend {
 public:
  admin::Snapshot snapshot() override {
    admin::Snapshot s = snap;
    s.sessions.reset();  // the routes ask session_totals() for these
    return s;
  }
  std::optional<admin::SessionTotals> session_totals() override { return snap.sessions; }
  std::vector<admin::RetainedItem> retained(const std::string& filter) override { return three_retained(filter); }
  admin::Answer<admin::Page<admin::ClientItem>> clients(const admin::ClientQuery& q) override {
    client_query = q;
    return {outcome, client_page};
  }
  admin::Answer<admin::ClientItem> client(const std::string& id) override {
    asked_id = id;
    return {outcome, client_page.items.empty() ? admin::ClientItem{} : client_page.items.front()};
  }
  admin::Outcome kick(const std::string& id, bool discard) override {
    asked_id = id;
    discarded = discard;
    return outcome;
  }
  admin::Answer<admin::Page<admin::SubscriptionItem>> subscriptions(const admin::SubscriptionQuery& q) override {
    subscription_query = q;
    return {outcome, {1, {{"dev/1", "$share/g/plant/#", 1, false, false, 7}}}};
  }
  admin::Answer<admin::Page<admin::TopicItem>> topics(const admin::TopicQuery& q) override {
    topic_query = q;
    return {outcome, {2, {{"plant/#", 3, 1}}}};
  }
  admin::Outcome delete_retained(const std::string& topic) override {
    asked_id = topic;
    return outcome;
  }
  admin::Answer<size_t> publish(admin::PublishRequest r) override {
    published = std::move(r);
    return {outcome, 4};
  }

  admin::Snapshot snap = sample();
  admin::Outcome outcome = admin::Outcome::Ok;
  admin::Page<admin::ClientItem> client_page;
  admin::ClientQuery client_query;
  admin::SubscriptionQuery subscription_query;
  admin::TopicQuery topic_query;
  std::string asked_id;
  bool discarded = false;
  std::optional<admin::PublishRequest> published;
};

Request get(const std::string& path, const std::string& token = {}) {
  Request r;
  r.method = "GET";
  r.path = path;
  if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
  return r;
}

TEST(AdminApi, HealthAndStatsReportTheSnapshot) {
  admin::Api api({}, std::make_shared<FakeBackend>());
  auto r = api.handle(get("/api/v1/health"));
  EXPECT_EQ(r.status, 200);
  const auto health = nlohmann::json::parse(r.body);
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["listeners"]["wss"], 8084);
  r = api.handle(get("/api/v1/stats"));
  ASSERT_EQ(r.status, 200);
  const auto stats = nlohmann::json::parse(r.body);
  EXPECT_EQ(stats["connections"]["current"], 3);
  EXPECT_EQ(stats["connections"]["by_listener"]["mqtt"], 1);
  EXPECT_EQ(stats["connections"]["by_listener"]["wss"], 2);
  EXPECT_EQ(stats["connections"]["by_protocol"]["5.0"], 2);
  EXPECT_EQ(stats["connections"]["accepted"]["wss"], 2);
  EXPECT_EQ(stats["messages"]["received"], 100);
  EXPECT_EQ(stats["messages"]["dropped"]["queue_full"], 7);
  EXPECT_EQ(stats["messages"]["by_qos"]["1"]["received"], 40);
  EXPECT_EQ(stats["messages"]["by_qos"]["0"]["sent_bytes"], 2000);
  EXPECT_EQ(stats["connections"]["attempts"]["mqtt"]["timeout"], 2);
  EXPECT_EQ(stats["connections"]["disconnects"]["kicked"], 1);
  EXPECT_EQ(stats["sessions"]["queued"], 17);
  EXPECT_EQ(stats["sessions"]["offline"], 2);
  EXPECT_EQ(stats["loop_lag_ms"]["max"], 3.5);
  EXPECT_EQ(stats["store"]["commits"], 5);
  EXPECT_EQ(stats["store"]["size_bytes"], 123456);
  EXPECT_DOUBLE_EQ(stats["store"]["commit_ms_mean"].get<double>(), 50.0);
  EXPECT_EQ(stats["retained"], 5);
}

TEST(AdminApi, WorkersThatDoNotAnswerLeaveTheSessionGaugesOut) {
  auto backend = std::make_shared<FakeBackend>();
  backend->snap.sessions.reset();
  admin::Api api({}, backend);
  const auto stats = nlohmann::json::parse(api.handle(get("/api/v1/stats")).body);
  EXPECT_FALSE(stats.contains("sessions"));
  EXPECT_EQ(stats["messages"]["received"], 100) << "the counters are there all the same";
  const std::string page = api.handle(get("/metrics")).body;
  EXPECT_EQ(page.find("edgemq_queued_messages"), std::string::npos);
  EXPECT_NE(page.find("edgemq_messages_received_total"), std::string::npos);
}

TEST(AdminApi, AStoreErrorMakesHealthSay503) {
  auto backend = std::make_shared<FakeBackend>();
  backend->snap.store_ok = false;
  admin::Api api({}, backend);
  const auto r = api.handle(get("/api/v1/health"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(nlohmann::json::parse(r.body)["status"], "degraded");
}

TEST(AdminApi, HighMemoryMakesHealthSay503AndShowsInStatsAndMetrics) {
  auto backend = std::make_shared<FakeBackend>();
  backend->snap.memory_high = true;
  backend->snap.memory_rss_bytes = 900u << 20;
  backend->snap.memory_high_watermark = 768u << 20;
  backend->snap.partial_packet_bytes = 1234;
  backend->snap.packet_timeouts = 7;
  admin::Api api({}, backend);
  const auto r = api.handle(get("/api/v1/health"));
  EXPECT_EQ(r.status, 503) << "not ready for new clients";
  const auto health = nlohmann::json::parse(r.body);
  EXPECT_EQ(health["status"], "degraded");
  EXPECT_EQ(health["ready"], false);
  EXPECT_EQ(health["memory"]["high"], true);
  EXPECT_EQ(health["memory"]["high_watermark"], 768u << 20);
  EXPECT_EQ(health["store"]["ok"], true) << "the store is fine; memory is what is wrong";
  const auto stats = nlohmann::json::parse(api.handle(get("/api/v1/stats")).body);
  EXPECT_EQ(stats["memory"]["partial_packet_bytes"], 1234);
  EXPECT_EQ(stats["connections"]["packet_timeouts"], 7);
  const std::string page = api.handle(get("/metrics")).body;
  EXPECT_NE(page.find("\nedgemq_memory_high 1\n"), std::string::npos);
  EXPECT_NE(page.find("\nedgemq_partial_packet_bytes 1234\n"), std::string::npos);
  EXPECT_NE(page.find("\nedgemq_packet_timeouts_total 7\n"), std::string::npos);
}

TEST(AdminApi, ErrorsAreJsonWithTheRightStatus) {
  admin::Api api({}, std::make_shared<FakeBackend>());
  auto r = api.handle(get("/api/v2/nothing"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "not_found");
  Request post = get("/api/v1/stats");
  post.method = "DELETE";
  r = api.handle(post);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "method_not_allowed");
  Request del = get("/api/v1/retained/a");
  del.method = "PUT";
  r = api.handle(del);
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "GET, DELETE") << "Allow names every method of the path";
}

TEST(AdminApi, WithTokensEveryRouteButHealthNeedsOne) {
  admin::Api api({"alpha", "beta"}, std::make_shared<FakeBackend>());
  EXPECT_EQ(api.handle(get("/api/v1/health")).status, 200);
  for (const std::string path : {"/api/v1/stats", "/metrics", "/api/v1/clients", "/api/v1/topics"}) {
    const auto denied = api.handle(get(path));
    EXPECT_EQ(denied.status, 401) << path;
    EXPECT_EQ(nlohmann::json::parse(denied.body)["error"], "unauthorized");
    EXPECT_EQ(api.handle(get(path, "gamma")).status, 401) << path;
    EXPECT_EQ(api.handle(get(path, "alph")).status, 401) << "a prefix is not the token";
    EXPECT_EQ(api.handle(get(path, "beta")).status, 200) << path;
  }
}

Request get_query(const std::string& path, const std::string& query) {
  Request r = get(path);
  r.query = query;
  return r;
}

TEST(AdminApi, RetainedMessagesByFilterWithPaging) {
  admin::Api api({}, std::make_shared<FakeBackend>());
  auto r = api.handle(get_query("/api/v1/retained", "filter=plant%2F%2B%2Ftemp"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["total"], 2);
  ASSERT_EQ(body["items"].size(), 2u);
  EXPECT_EQ(body["items"][0]["topic"], "plant/a/temp");
  EXPECT_EQ(body["items"][0]["payload"], "21.5");
  EXPECT_EQ(body["items"][0]["content_type"], "text/plain");
  EXPECT_EQ(body["items"][1]["expires_at_ms"], 1900000000000);

  r = api.handle(get_query("/api/v1/retained", "limit=1&offset=1"));
  body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["total"], 3) << "no filter: everything";
  ASSERT_EQ(body["items"].size(), 1u);
  EXPECT_EQ(body["items"][0]["topic"], "plant/b/raw");
  EXPECT_EQ(body["items"][0]["payload_encoding"], "base64") << "not UTF-8";
  EXPECT_EQ(body["items"][0]["payload"], "AP8Q");

  EXPECT_EQ(api.handle(get_query("/api/v1/retained", "filter=a/%23/b")).status, 400);
  EXPECT_EQ(api.handle(get_query("/api/v1/retained", "limit=0")).status, 400);
  EXPECT_EQ(api.handle(get_query("/api/v1/retained", "limit=ten")).status, 400);
}

TEST(AdminApi, OneRetainedTopicByItsName) {
  admin::Api api({}, std::make_shared<FakeBackend>());
  for (const std::string path : {"/api/v1/retained/plant/a/temp", "/api/v1/retained/plant%2Fa%2Ftemp"}) {
    const auto r = api.handle(get(path));
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(nlohmann::json::parse(r.body)["payload"], "21.5");
  }
  const auto none = api.handle(get("/api/v1/retained/plant/c/temp"));
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(nlohmann::json::parse(none.body)["error"], "not_found");
  EXPECT_EQ(api.handle(get("/api/v1/retained/plant/%2B/temp")).status, 400) << "a wildcard is not a topic name";
}

Request with_method(Request r, const std::string& method, const std::string& body = {}) {
  r.method = method;
  r.body = body;
  return r;
}

TEST(AdminApi, ClientsListPassesFiltersAndPagingAndShowsEachClient) {
  auto backend = std::make_shared<FakeBackend>();
  admin::ClientItem dev;
  dev.client_id = "dev/1";
  dev.connected = true;
  dev.username = "alice";
  dev.transport = "mqtts";
  dev.protocol = "5.0";
  dev.peer = "127.0.0.1:50000";
  dev.keep_alive_s = 30;
  dev.connected_at_ms = 1800000000000;
  dev.persistent = true;
  dev.session_expiry_s = 3600;
  dev.inflight = 2;
  dev.queued = 5;
  dev.subscription_count = 1;
  admin::ClientItem offline;
  offline.client_id = "dev/2";
  offline.persistent = true;
  backend->client_page = {7, {dev, offline}};
  admin::Api api({}, backend);

  auto r = api.handle(get_query("/api/v1/clients",
                                "id_prefix=dev%2F&username=alice&transport=mqtts&state=connected&limit=2&offset=3"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend->client_query.id_prefix, "dev/");
  EXPECT_EQ(backend->client_query.username, "alice");
  EXPECT_EQ(backend->client_query.transport, "mqtts");
  EXPECT_EQ(backend->client_query.state, admin::ClientQuery::State::Connected);
  EXPECT_EQ(backend->client_query.paging.limit, 2u);
  EXPECT_EQ(backend->client_query.paging.offset, 3u);
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["total"], 7);
  EXPECT_EQ(body["offset"], 3);
  ASSERT_EQ(body["items"].size(), 2u);
  const auto& c = body["items"][0];
  EXPECT_EQ(c["client_id"], "dev/1");
  EXPECT_EQ(c["connected"], true);
  EXPECT_EQ(c["username"], "alice");
  EXPECT_EQ(c["transport"], "mqtts");
  EXPECT_EQ(c["protocol"], "5.0");
  EXPECT_EQ(c["peer"], "127.0.0.1:50000");
  EXPECT_EQ(c["keep_alive_s"], 30);
  EXPECT_EQ(c["connected_at_ms"], 1800000000000);
  EXPECT_EQ(c["session_expiry_s"], 3600);
  EXPECT_EQ(c["inflight"], 2);
  EXPECT_EQ(c["queued"], 5);
  EXPECT_FALSE(body["items"][1].contains("peer")) << "an offline session has no connection to show";

  EXPECT_EQ(api.handle(get_query("/api/v1/clients", "state=asleep")).status, 400);
  EXPECT_EQ(api.handle(get_query("/api/v1/clients", "transport=udp")).status, 400);
  EXPECT_EQ(api.handle(get_query("/api/v1/clients", "limit=1001")).status, 400);
  r = api.handle(get_query("/api/v1/clients", "state=offline"));
  EXPECT_EQ(backend->client_query.state, admin::ClientQuery::State::Offline);
  EXPECT_EQ(backend->client_query.paging.limit, 100u) << "the default page";
}

TEST(AdminApi, OneClientByItsPercentEncodedId) {
  auto backend = std::make_shared<FakeBackend>();
  admin::ClientItem dev;
  dev.client_id = "dev/1 x";
  dev.subscriptions = {{"dev/1 x", "cmd/#", 2, true, false, 0}, {"dev/1 x", "$share/g/t", 1, false, true, 9}};
  backend->client_page = {1, {dev}};
  admin::Api api({}, backend);
  auto r = api.handle(get("/api/v1/clients/dev%2F1%20x"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend->asked_id, "dev/1 x");
  const auto body = nlohmann::json::parse(r.body);
  ASSERT_EQ(body["subscriptions"].size(), 2u);
  EXPECT_EQ(body["subscriptions"][0]["filter"], "cmd/#");
  EXPECT_EQ(body["subscriptions"][0]["no_local"], true);
  EXPECT_EQ(body["subscriptions"][1]["share_group"], "g");
  EXPECT_EQ(body["subscriptions"][1]["topic_filter"], "t");
  EXPECT_EQ(body["subscriptions"][1]["subscription_id"], 9);

  backend->outcome = admin::Outcome::NotFound;
  r = api.handle(get("/api/v1/clients/ghost"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "not_found");
  backend->outcome = admin::Outcome::Busy;
  r = api.handle(get("/api/v1/clients/dev"));
  EXPECT_EQ(r.status, 503) << "workers that do not answer in time";
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "busy");
  EXPECT_EQ(api.handle(get("/api/v1/clients/%ff")).status, 400) << "not UTF-8";
}

TEST(AdminApi, DeleteClientKicksAndSessionTrueDiscards) {
  auto backend = std::make_shared<FakeBackend>();
  admin::Api api({}, backend);
  auto r = api.handle(with_method(get("/api/v1/clients/dev%2F1"), "DELETE"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend->asked_id, "dev/1");
  EXPECT_FALSE(backend->discarded);
  EXPECT_EQ(nlohmann::json::parse(r.body)["session_discarded"], false);
  r = api.handle(with_method(get_query("/api/v1/clients/dev", "session=true"), "DELETE"));
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(backend->discarded);
  EXPECT_EQ(api.handle(with_method(get_query("/api/v1/clients/dev", "session=yes"), "DELETE")).status, 400);
  backend->outcome = admin::Outcome::NotConnected;
  r = api.handle(with_method(get("/api/v1/clients/dev"), "DELETE"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "not_connected");
}

TEST(AdminApi, SubscriptionsAndTopicsPassTheirFilters) {
  auto backend = std::make_shared<FakeBackend>();
  admin::Api api({}, backend);
  auto r = api.handle(get_query("/api/v1/subscriptions", "client_id=dev%2F1&filter=a%2F%23&share_group=g&qos=1"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend->subscription_query.client_id, "dev/1");
  EXPECT_EQ(backend->subscription_query.filter, "a/#");
  EXPECT_EQ(backend->subscription_query.share_group, "g");
  EXPECT_EQ(backend->subscription_query.qos, 1);
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["items"][0]["client_id"], "dev/1");
  EXPECT_EQ(body["items"][0]["share_group"], "g");
  EXPECT_EQ(api.handle(get_query("/api/v1/subscriptions", "qos=3")).status, 400);
  api.handle(get("/api/v1/subscriptions"));
  EXPECT_EQ(backend->subscription_query.qos, -1) << "no qos: any";

  r = api.handle(get_query("/api/v1/topics", "match=plant%2Fa%2Ftemp"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(backend->topic_query.match, "plant/a/temp");
  body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["total"], 2);
  EXPECT_EQ(body["items"][0]["filter"], "plant/#");
  EXPECT_EQ(body["items"][0]["subscriptions"], 3);
  EXPECT_EQ(body["items"][0]["shared"], 1);
  EXPECT_EQ(api.handle(get_query("/api/v1/topics", "match=plant%2F%2B")).status, 400) << "match takes a topic";
}

TEST(AdminApi, DeleteRetained) {
  auto backend = std::make_shared<FakeBackend>();
  admin::Api api({}, backend);
  auto r = api.handle(with_method(get("/api/v1/retained/plant/a/temp"), "DELETE"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend->asked_id, "plant/a/temp");
  EXPECT_EQ(nlohmann::json::parse(r.body)["deleted"], true);
  backend->outcome = admin::Outcome::NotFound;
  EXPECT_EQ(api.handle(with_method(get("/api/v1/retained/x"), "DELETE")).status, 404);
  backend->outcome = admin::Outcome::StoreError;
  r = api.handle(with_method(get("/api/v1/retained/x"), "DELETE"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "store_error");
}

TEST(AdminApi, PublishTakesTextOrBase64AndMqtt5Properties) {
  auto backend = std::make_shared<FakeBackend>();
  admin::Api api({}, backend);
  const std::string body = R"({"topic": "plant/a/cmd", "payload": "AP8=", "payload_encoding": "base64",
    "qos": 1, "retain": true,
    "properties": {"content_type": "application/octet-stream", "message_expiry_interval": 60,
                   "response_topic": "plant/a/reply", "correlation_data": "42",
                   "user_properties": {"z": "1", "a": "2"}}})";
  auto r = api.handle(with_method(get("/api/v1/publish"), "POST", body));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(backend->published);
  const admin::PublishRequest& p = *backend->published;
  EXPECT_EQ(p.topic, "plant/a/cmd");
  EXPECT_EQ(p.payload, std::string("\x00\xff", 2));
  EXPECT_EQ(p.qos, 1);
  EXPECT_TRUE(p.retain);
  EXPECT_EQ(p.props->content_type, "application/octet-stream");
  EXPECT_EQ(p.props->message_expiry, 60u);
  EXPECT_EQ(p.props->response_topic, "plant/a/reply");
  EXPECT_EQ(p.props->correlation_data, "42");
  const mqtt::UserProperties written_order = {{"z", "1"}, {"a", "2"}};
  EXPECT_EQ(p.props->user_properties, written_order) << "user properties keep their order [MQTT-3.3.2-18]";
  const auto answer = nlohmann::json::parse(r.body);
  EXPECT_EQ(answer["matched"], 4);
  EXPECT_EQ(answer["qos"], 1);

  r = api.handle(with_method(get("/api/v1/publish"), "POST", R"({"topic": "t", "payload": "héllo"})"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(backend->published->payload, "héllo");
  EXPECT_EQ(backend->published->qos, 0);
  EXPECT_TRUE(backend->published->props.null()) << "no properties: none sent";

  backend->outcome = admin::Outcome::Busy;
  EXPECT_EQ(api.handle(with_method(get("/api/v1/publish"), "POST", R"({"topic": "t"})")).status, 503);
  Request g = get("/api/v1/publish");
  EXPECT_EQ(api.handle(g).status, 405);
}

TEST(AdminApi, PublishRefusesWhatMqttWouldNot) {
  admin::Api api({}, std::make_shared<FakeBackend>());
  const std::pair<std::string, std::string> bad[] = {
      {"{", "the body must be a JSON object"},
      {"[1]", "the body must be a JSON object"},
      {R"({"payload": "x"})", "topic must be a topic name (no wildcards)"},
      {R"({"topic": "a/+"})", "topic must be a topic name (no wildcards)"},
      {R"({"topic": ""})", "topic must be a topic name (no wildcards)"},
      {R"({"topic": "$SYS/broker/uptime"})", "$SYS topics are the gateway's own"},
      {R"({"topic": "t", "qos": 3})", "qos is unknown or of the wrong type"},
      {R"({"topic": "t", "retain": "yes"})", "retain is unknown or of the wrong type"},
      {R"({"topic": "t", "colour": "red"})", "colour is unknown or of the wrong type"},
      {R"({"topic": "t", "payload": "a=b", "payload_encoding": "base64"})", "payload is not base64"},
      {R"({"topic": "t", "payload_encoding": "hex"})", "payload_encoding is text or base64"},
      {R"({"topic": "t", "properties": {"topic_alias": 1}})", "properties.topic_alias is unknown or of the wrong type"},
      {R"({"topic": "t", "properties": {"response_topic": "a/#"}})",
       "properties.response_topic is unknown or of the wrong type"},
      {R"({"topic": "t", "payload": "/w==", "payload_encoding": "base64", "properties": {"payload_format_indicator": 1}})",
       "payload_format_indicator 1 needs a UTF-8 payload"},
  };
  for (const auto& [body, message] : bad) {
    const auto r = api.handle(with_method(get("/api/v1/publish"), "POST", body));
    EXPECT_EQ(r.status, 400) << body;
    const auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["error"], "bad_request") << body;
    EXPECT_EQ(j["message"], message) << body;
  }
}

TEST(AdminApi, BytesThatAreNotUtf8AreEchoedReplacedNeverThrown) {
  admin::Api api({}, std::make_shared<FakeBackend>());
  // Each error message echoes what the client sent; none of it is UTF-8.
  for (const Request& r : {get_query("/api/v1/topics", "match=%FF"), get_query("/api/v1/retained", "filter=%FE"),
                           get("/api/v1/\xff"), get("/api/v1/retained/a\xff"), get("/api/v1/clients/\xc3")}) {
    http::Response answer;
    ASSERT_NO_THROW(answer = api.handle(r)) << r.path;
    EXPECT_GE(answer.status, 400) << r.path;
    const auto body = nlohmann::json::parse(answer.body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << "valid JSON: " << answer.body;
    EXPECT_TRUE(body.contains("error"));
  }
}

TEST(AdminApi, PlusInAPathIsAPlusAndABrokenQueryIs400) {
  auto backend = std::make_shared<FakeBackend>();
  admin::Api api({}, backend);
  api.handle(get("/api/v1/clients/a+b"));
  EXPECT_EQ(backend->asked_id, "a+b") << "form encoding is for queries only (RFC 3986: '+' is a sub-delim)";
  api.handle(get("/api/v1/clients/a%2Bb%20c"));
  EXPECT_EQ(backend->asked_id, "a+b c");
  const auto r = api.handle(with_method(get_query("/api/v1/clients/dev", "session=%7"), "DELETE"));
  EXPECT_EQ(r.status, 400) << "not 'no session parameter': the kick must not go ahead as another one";
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "bad_query");
  EXPECT_EQ(api.handle(get_query("/api/v1/retained", "filter=%ZZ")).status, 400);
}

TEST(AdminApi, PublishRefusesU0000InMqttStrings) {
  admin::Api api({}, std::make_shared<FakeBackend>());
  for (const std::string body : {R"({"topic": "t", "properties": {"content_type": "a\u0000"}})",
                                 R"({"topic": "t", "properties": {"user_properties": {"k": "v\u0000"}}})",
                                 R"({"topic": "t", "properties": {"user_properties": {"k\u0000": "v"}}})",
                                 R"({"topic": "t\u0000"})"}) {
    EXPECT_EQ(api.handle(with_method(get("/api/v1/publish"), "POST", body)).status, 400)
        << body << " [MQTT-1.5.4-2]";
  }
}

TEST(AdminApi, APublishNotConfirmedInTimeMayHaveGoneOut) {
  auto backend = std::make_shared<FakeBackend>();
  backend->outcome = admin::Outcome::Busy;
  admin::Api api({}, backend);
  const auto r = api.handle(with_method(get("/api/v1/publish"), "POST", R"({"topic": "t", "qos": 1})"));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(nlohmann::json::parse(r.body)["message"].get<std::string>().find("may have been published"),
            std::string::npos);
}

TEST(AdminJson, Base64RoundTripsAndRefusesNonStandardInput) {
  // Not UTF-8, so shown as base64; every length modulo 3.
  for (const std::string& raw : {std::string("\xff"), std::string("\xff\x00"), std::string("\xff\x00\x10"),
                                 std::string("\x80\x00\x10\xfe", 4)}) {
    nlohmann::json item;
    admin::put_payload(item, raw);
    ASSERT_EQ(item["payload_encoding"], "base64");
    EXPECT_EQ(admin::decode_base64(item["payload"].get<std::string>()), raw);
  }
  EXPECT_EQ(admin::decode_base64(""), "");
  EXPECT_EQ(admin::decode_base64("Zm9v"), "foo");
  EXPECT_EQ(admin::decode_base64("Zg=="), "f");
  EXPECT_FALSE(admin::decode_base64("Zg="));
  EXPECT_FALSE(admin::decode_base64("Z=g="));
  EXPECT_FALSE(admin::decode_base64("Zm9 "));
  EXPECT_FALSE(admin::decode_base64("Zm9v\n"));
}

// Every line of the page against the text format's grammar
// (prometheus.io/docs/instrumenting/exposition_formats), each sample after
// its family's TYPE, counters named _total.
TEST(AdminMetrics, ThePageFollowsTheExpositionFormat) {
  const std::string page = admin::render_metrics(sample());
  const auto sample_of = [](const std::string& name, const std::string& family, const std::string& type) {
    if (name == family) return type != "histogram";
    return type == "histogram" &&
           (name == family + "_bucket" || name == family + "_sum" || name == family + "_count");
  };
  const std::regex sample_line(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? (-?[0-9.]+(e[-+]?[0-9]+)?|NaN|\+Inf|-Inf))");
  const std::regex type_line(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  std::istringstream in(page);
  std::string line, family, type;
  std::set<std::string> seen;
  size_t samples = 0;
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (std::regex_match(line, m, type_line)) {
      family = m[1];
      type = m[2];
      EXPECT_TRUE(seen.insert(family).second) << "family twice: " << family;
      if (type == "counter") {
        EXPECT_TRUE(family.ends_with("_total")) << family;
      }
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, m, sample_line)) << "not a sample: " << line;
    EXPECT_TRUE(sample_of(m[1], family, type)) << "sample outside its family: " << line;
    ++samples;
  }
  EXPECT_GE(samples, 20u);
  EXPECT_NE(page.find("edgemq_messages_received_total{qos=\"1\"} 40\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_connect_attempts_total{listener=\"wss\",result=\"handshake_failed\"} 1\n"),
            std::string::npos);
  EXPECT_NE(page.find("edgemq_disconnects_total{reason=\"kicked\"} 1\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_sessions{state=\"offline\"} 2\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_queued_messages 17\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_store_size_bytes 123456\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_inflight_messages 4\n"), std::string::npos);
  // Histograms: cumulative buckets ending in +Inf, which equals _count.
  EXPECT_NE(page.find("edgemq_store_commit_duration_seconds_bucket{le=\"0.001\"} 3\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_store_commit_duration_seconds_bucket{le=\"0.01\"} 4\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_store_commit_duration_seconds_bucket{le=\"+Inf\"} 5\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_store_commit_duration_seconds_count 5\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_store_commit_duration_seconds_sum 0.25\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_loop_lag_seconds_bucket{worker=\"1\",le=\"+Inf\"} 10\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_loop_lag_seconds_count{worker=\"0\"} 10\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_dropped_messages_total{cause=\"queue_full\"} 7\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_build_info{version=\"9.9.9\"} 1\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_connections{listener=\"wss\",protocol=\"5.0\"} 2\n"), std::string::npos);
  EXPECT_NE(page.find("process_resident_memory_bytes 1048576\n"), std::string::npos);
}

}  // namespace
}  // namespace edgemq
