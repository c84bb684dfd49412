// The admin endpoint of a real gateway, asked with curl as an operator
// would: health, stats and /metrics move with the traffic that mosquitto
// clients make; tokens, the loopback rule and bad requests.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "tests/integration/admin_support.h"
#include "tests/integration/cli.h"
#include "tests/integration/fixture.h"
#include "tests/integration/paho_client.h"

namespace edgemq::itest {
namespace {

TEST_F(Admin, HealthStatsAndMetricsFollowTheTraffic) {
  const HttpResult health = curl({url("/api/v1/health")});
  ASSERT_EQ(health.status, 200) << health.body;
  const auto h = nlohmann::json::parse(health.body);
  EXPECT_EQ(h["status"], "ok");
  EXPECT_EQ(h["listeners"]["mqtt"], port());

  CliProcess sub;
  ASSERT_TRUE(start_mosquitto_sub(sub, port(), "it-admin-sub", {"-t", topic("#"), "-q", "1", "-C", "5"}));
  const CliResult pub = run_cli("mosquitto_pub", {"-h", "127.0.0.1", "-p", std::to_string(port()), "-t",
                                                  topic("a"), "-q", "1", "-r", "-l"},
                                5s, "1\n2\n3\n4\n5\n");
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  ASSERT_TRUE(sub.wait(5s).exited);

  const HttpResult stats = curl({url("/api/v1/stats")});
  ASSERT_EQ(stats.status, 200);
  const auto s = nlohmann::json::parse(stats.body);
  EXPECT_EQ(s["messages"]["received"], 5);
  EXPECT_GE(s["messages"]["sent"], 5);
  EXPECT_EQ(s["retained"], 1);
  EXPECT_GE(s["connections"]["accepted"]["mqtt"], 2);
  EXPECT_GT(s["process"]["rss_bytes"], 0);

  const HttpResult page = curl({url("/metrics")});
  ASSERT_EQ(page.status, 200);
  const std::string body = "\n" + page.body;
  EXPECT_EQ(metric(body, "edgemq_messages_received_total{qos=\"1\"}"), 5);
  EXPECT_EQ(metric(body, "edgemq_retained_messages"), 1);
  EXPECT_EQ(metric(body, "edgemq_up"), 1);
  EXPECT_GT(metric(body, "process_resident_memory_bytes"), 0);
}

TEST_F(Admin, ConnectionsAreCountedByListenerAndProtocol) {
  const auto current = [&] { return nlohmann::json::parse(curl({url("/api/v1/stats")}).body)["connections"]; };
  {
    PahoClient v311(uri(), "it-admin-311");
    ASSERT_TRUE(v311.connect(true));
    PahoClient v5(uri(), "it-admin-5", MQTTVERSION_5);
    ASSERT_TRUE(v5.connect(true));
    const auto c = current();
    EXPECT_EQ(c["current"], 2);
    EXPECT_EQ(c["by_listener"]["mqtt"], 2);
    EXPECT_EQ(c["by_protocol"]["3.1.1"], 1);
    EXPECT_EQ(c["by_protocol"]["5.0"], 1);
    const std::string page = curl({url("/metrics")}).body;
    EXPECT_NE(page.find("edgemq_connections{listener=\"mqtt\",protocol=\"5.0\"} 1\n"), std::string::npos) << page;
  }
  EXPECT_TRUE(wait_until([&] { return current()["by_listener"]["mqtt"] == 0; }, 5s)) << current();
}

TEST_F(Admin, RetainedMessagesAreListedAndShown) {
  for (const auto& [suffix, payload] : {std::pair{"x/1", "on"}, std::pair{"x/2", "off"}, std::pair{"y/1", "-"}}) {
    const CliResult r = run_cli("mosquitto_pub", {"-h", "127.0.0.1", "-p", std::to_string(port()), "-t",
                                                  topic(suffix), "-m", payload, "-q", "1", "-r"},
                                5s);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const HttpResult list = curl({"-G", "--data-urlencode", "filter=" + topic("x/#"), url("/api/v1/retained")});
  ASSERT_EQ(list.status, 200) << list.body;
  const auto body = nlohmann::json::parse(list.body);
  EXPECT_EQ(body["total"], 2);
  ASSERT_EQ(body["items"].size(), 2u);
  EXPECT_EQ(body["items"][0]["topic"], topic("x/1"));
  EXPECT_EQ(body["items"][0]["payload"], "on");
  EXPECT_EQ(body["items"][0]["qos"], 1);
  const HttpResult one = curl({url("/api/v1/retained/" + topic("x/2"))});
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(nlohmann::json::parse(one.body)["payload"], "off");
  EXPECT_EQ(curl({url("/api/v1/retained/" + topic("x/3"))}).status, 404);
}

TEST_F(Admin, BadRequestsGetJsonErrors) {
  HttpResult r = curl({url("/api/v1/nothing")});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "not_found");
  r = curl({"-X", "DELETE", url("/metrics")});
  EXPECT_EQ(r.status, 405);
  r = curl({"-H", "Content-Type: application/json", "--data-binary", "@-", url("/api/v1/stats")});
  EXPECT_EQ(r.status, 405) << "POST is not a route here";
  r = curl({"-H", "X-Big: " + std::string(9000, 'x'), url("/api/v1/stats")});
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "bad_request");
  // The gateway still answers.
  EXPECT_EQ(curl({url("/api/v1/health")}).status, 200);
}

// Everything until the gateway closes; "(timeout)" if it does not.
std::string read_to_close(int fd) {
  std::string got;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return n == 0 ? got : got + "(timeout)";
}

// A request that never finishes is answered 408 after 10 s and closed: a
// slow client holds one socket for that long and no more. An idle keep-alive
// connection is closed then too, without a response nobody asked for.
TEST_F(Admin, ASlowRequestIsAnswered408AndAnIdleConnectionClosed) {
  const int slow = connect_loopback(gw_admin_port(), 20);
  const int idle = connect_loopback(gw_admin_port(), 20);
  ASSERT_GE(slow, 0);
  ASSERT_GE(idle, 0);
  const std::string half = "GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n";  // no blank line: never ends
  ASSERT_EQ(::send(slow, half.data(), half.size(), 0), static_cast<ssize_t>(half.size()));
  const std::string whole = half + "\r\n";
  ASSERT_EQ(::send(idle, whole.data(), whole.size(), 0), static_cast<ssize_t>(whole.size()));
  // The whole response (head, then Content-Length bytes), and nothing else.
  std::string response;
  char buf[4096];
  for (;;) {
    const size_t head_end = response.find("\r\n\r\n");
    const size_t length_at = response.find("Content-Length: ");
    if (head_end != std::string::npos && length_at != std::string::npos &&
        response.size() >= head_end + 4 + std::stoul(response.substr(length_at + 16))) {
      break;
    }
    const ssize_t n = ::recv(idle, buf, sizeof buf, 0);
    ASSERT_GT(n, 0) << response;
    response.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
  const auto start = std::chrono::steady_clock::now();
  const std::string got = read_to_close(slow);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 9s);
  EXPECT_EQ(got.rfind("HTTP/1.1 408", 0), 0u) << got;
  EXPECT_NE(got.find("\"request_timeout\""), std::string::npos) << got;
  EXPECT_EQ(read_to_close(idle), "") << "closed, nothing more said";
}

// Bytes that are not UTF-8 in the path of an open route: answered, and the
// gateway lives on (an exception escaping the JSON writer once ended it).
TEST_F(Admin, ARequestWithBytesThatAreNotUtf8IsAnsweredAndTheGatewayLivesOn) {
  for (const std::string target : {"/dashboard/\xff", "/api/v1/\xfe", "/api/v1/topics?match=%FF"}) {
    const int fd = connect_loopback(gw_admin_port(), 10);
    ASSERT_GE(fd, 0);
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    ASSERT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
    const std::string got = read_to_close(fd);
    EXPECT_TRUE(got.rfind("HTTP/1.1 404", 0) == 0 || got.rfind("HTTP/1.1 400", 0) == 0) << got;
  }
  EXPECT_EQ(curl({url("/api/v1/health")}).status, 200);
  EXPECT_TRUE(gw().running());
}

class AdminWithTokens : public Admin {
 protected:
  GatewayOptions options() const override {
    GatewayOptions o;
    o.extra_args = {"--admin-tokens", "s3cret,other"};
    return o;
  }
};

TEST_F(AdminWithTokens, RoutesButHealthNeedABearerToken) {
  EXPECT_EQ(curl({url("/api/v1/health")}).status, 200) << "health stays open for probes";
  const HttpResult denied = curl({url("/metrics")});
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(nlohmann::json::parse(denied.body)["error"], "unauthorized");
  EXPECT_EQ(curl({"-H", "Authorization: Bearer wrong", url("/api/v1/stats")}).status, 401);
  EXPECT_EQ(curl({"-H", "Authorization: Bearer other", url("/api/v1/stats")}).status, 200);
  EXPECT_EQ(curl({"-H", "Authorization: Bearer s3cret", url("/metrics")}).status, 200);
}

// docs/openapi.json and the endpoint agree: every documented operation,
// asked with its path parameters' and request body's examples, answers with
// one of its documented statuses, and a 200 JSON body has the documented
// schema's required fields. The example client is connected with a
// persistent session first, so that kicking it and then reading it both
// answer 200 (paths are asked in name order, DELETE before GET).
TEST_F(AdminWithTokens, EveryDocumentedRouteAnswersAsDocumented) {
  const auto doc = nlohmann::json::parse(read_file(EDGEMQ_OPENAPI));
  const auto& schemas = doc["components"]["schemas"];
  PahoClient example(uri(), "docs-example");
  ASSERT_TRUE(example.connect(false));
  size_t checked = 0, ok = 0;
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::string target = path;
      for (const auto& param : op.value("parameters", nlohmann::json::array())) {
        if (param["in"] != "path") continue;
        ASSERT_TRUE(param.contains("example")) << path << ": a path parameter needs an example";
        const std::string name = "{" + param["name"].get<std::string>() + "}";
        target.replace(target.find(name), name.size(), param["example"].get<std::string>());
      }
      std::vector<std::string> args = {"-g", "-X", upper, "-H", "Authorization: Bearer s3cret"};
      if (op.contains("requestBody")) {
        args.insert(args.end(), {"-H", "Content-Type: application/json", "--data-binary",
                                 op["requestBody"]["content"]["application/json"]["example"].dump()});
      }
      args.push_back(url(target));
      const HttpResult r = curl(args);
      EXPECT_TRUE(op["responses"].contains(std::to_string(r.status)))
          << upper << " " << target << " -> " << r.status << " " << r.body;
      const auto& documented = op["responses"]["200"];
      if (r.status == 200 && documented.contains("content") && documented["content"].contains("application/json")) {
        const std::string ref = documented["content"]["application/json"]["schema"]["$ref"];
        const auto& schema = schemas[ref.substr(ref.rfind('/') + 1)];
        const auto body = nlohmann::json::parse(r.body);
        for (const auto& field : schema["required"]) {
          EXPECT_TRUE(body.contains(field.get<std::string>())) << path << " lacks " << field;
        }
      }
      ++checked;
      ok += r.status == 200;
    }
  }
  EXPECT_GE(checked, 12u);
  EXPECT_GE(ok, checked - 1) << "with the examples, all but GET of the deleted retained topic answer 200";
}

// Without a token the endpoint must not be reachable from elsewhere: asked
// for 0.0.0.0, it listens on 127.0.0.1 and says so.
TEST(AdminLoopback, WithoutATokenOnlyLoopbackIsListenedOn) {
  if (under_mosquitto()) GTEST_SKIP() << "edgemq's admin endpoint";
  const int admin = pick_free_port();
  GatewayOptions o;
  o.extra_args = {"--listen-admin", "0.0.0.0:" + std::to_string(admin)};
  GatewayProcess gw(o);
  ASSERT_TRUE(gw.start());
  EXPECT_NE(gw.log().find("no admin_tokens configured, so it listens on 127.0.0.1:" + std::to_string(admin)),
            std::string::npos)
      << gw.log();
  EXPECT_EQ(curl({"http://127.0.0.1:" + std::to_string(admin) + "/api/v1/health"}).status, 200);
  EXPECT_TRUE(gw.stop());
}

}  // namespace
}  // namespace edgemq::itest
