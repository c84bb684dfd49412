// The admin endpoint without sockets: HTTP requests parsed as they arrive,
// routes, errors and tokens, and the Prometheus page's format.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "gateway/admin/api.h"
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
  s.dropped = {{"queue_full", 7}};
  s.retained = 5;
  s.process_rss_bytes = 1 << 20;
  s.process_cpu_seconds = 1.5;
  return s;
}

std::vector<admin::RetainedItem> no_retained(const std::string&) { return {}; }

Request get(const std::string& path, const std::string& token = {}) {
  Request r;
  r.method = "GET";
  r.path = path;
  if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
  return r;
}

TEST(AdminApi, HealthAndStatsReportTheSnapshot) {
  admin::Api api({}, {sample, no_retained});
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
  EXPECT_EQ(stats["retained"], 5);
}

TEST(AdminApi, AStoreErrorMakesHealthSay503) {
  admin::Api api({}, {[] {
                      admin::Snapshot s = sample();
                      s.store_ok = false;
                      return s;
                    },
                    no_retained});
  const auto r = api.handle(get("/api/v1/health"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(nlohmann::json::parse(r.body)["status"], "degraded");
}

TEST(AdminApi, ErrorsAreJsonWithTheRightStatus) {
  admin::Api api({}, {sample, no_retained});
  auto r = api.handle(get("/api/v2/nothing"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "not_found");
  Request post = get("/api/v1/stats");
  post.method = "DELETE";
  r = api.handle(post);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "method_not_allowed");
}

TEST(AdminApi, WithTokensEveryRouteButHealthNeedsOne) {
  admin::Api api({"alpha", "beta"}, {sample, no_retained});
  EXPECT_EQ(api.handle(get("/api/v1/health")).status, 200);
  for (const std::string path : {"/api/v1/stats", "/metrics"}) {
    const auto denied = api.handle(get(path));
    EXPECT_EQ(denied.status, 401) << path;
    EXPECT_EQ(nlohmann::json::parse(denied.body)["error"], "unauthorized");
    EXPECT_EQ(api.handle(get(path, "gamma")).status, 401) << path;
    EXPECT_EQ(api.handle(get(path, "alph")).status, 401) << "a prefix is not the token";
    EXPECT_EQ(api.handle(get(path, "beta")).status, 200) << path;
  }
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

Request get_query(const std::string& path, const std::string& query) {
  Request r = get(path);
  r.query = query;
  return r;
}

TEST(AdminApi, RetainedMessagesByFilterWithPaging) {
  admin::Api api({}, {sample, three_retained});
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
  admin::Api api({}, {sample, three_retained});
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

// Every line of the page against the text format's grammar
// (prometheus.io/docs/instrumenting/exposition_formats), each sample after
// its family's TYPE, counters named _total.
TEST(AdminMetrics, ThePageFollowsTheExpositionFormat) {
  const std::string page = admin::render_metrics(sample());
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
    EXPECT_EQ(m[1], family) << "sample outside its family: " << line;
    ++samples;
  }
  EXPECT_GE(samples, 20u);
  EXPECT_NE(page.find("edgemq_messages_received_total 100\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_dropped_messages_total{cause=\"queue_full\"} 7\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_build_info{version=\"9.9.9\"} 1\n"), std::string::npos);
  EXPECT_NE(page.find("edgemq_connections{listener=\"wss\",protocol=\"5.0\"} 2\n"), std::string::npos);
  EXPECT_NE(page.find("process_resident_memory_bytes 1048576\n"), std::string::npos);
}

}  // namespace
}  // namespace edgemq
