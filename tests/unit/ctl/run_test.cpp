// Sending an invocation through a fake transport: what lands on stdout and
// stderr, and the exit code, for answers, API errors and no answer at all.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "gateway/ctl/args.h"
#include "gateway/ctl/run.h"
#include "gateway/ctl/views.h"

namespace edgemq::ctl {
namespace {

struct FakeGateway {
  std::map<std::string, HttpResult> answers;  // by "METHOD url"
  std::vector<std::string> asked;
  Transport transport() {
    return [this](const std::string& url, const Request& r) {
      const std::string key = r.method + " " + url;
      asked.push_back(key);
      const auto it = answers.find(key);
      return it == answers.end() ? HttpResult{true, "", 404, R"({"error":"not_found","message":"no route"})"}
                                 : it->second;
    };
  }
};

Invocation invocation(const std::vector<std::string>& args) {
  const ParseResult r = parse_args(args, [](const char*) -> const char* { return nullptr; }, true);
  EXPECT_EQ(r.action, ParseResult::Action::Run) << r.text;
  return r.invocation;
}

HttpResult ok(const std::string& body) { return {true, "", 200, body}; }

const char* kHealth = R"({"status":"ok","live":true,"ready":true,"version":"0.1.0","uptime_s":5,)"
                      R"("listeners":{"mqtt":1883},"store":{"ok":true,"errors":0}})";
const char* kStats = R"({"version":"0.1.0","uptime_s":5,"connections":{"current":1}})";

TEST(CtlRun, ApiErrorsGoToStderrWithExit1) {
  FakeGateway gw;
  gw.answers["GET http://127.0.0.1:18083/api/v1/clients/nobody"] = {
      true, "", 404, R"({"error":"not_found","message":"client nobody not found"})"};
  const RunOutput o = run(invocation({"client", "nobody"}), gw.transport());
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "edgemqctl: 404 not_found: client nobody not found\n");
}

TEST(CtlRun, UnauthorizedWithoutTokenSaysHowToGiveOne) {
  FakeGateway gw;
  gw.answers["GET http://127.0.0.1:18083/api/v1/health"] = ok(kHealth);
  gw.answers["GET http://127.0.0.1:18083/api/v1/stats"] = {
      true, "", 401, R"({"error":"unauthorized","message":"a valid 'Authorization: Bearer <token>' is needed"})"};
  const RunOutput o = run(invocation({"status"}), gw.transport());
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err,
            "edgemqctl: 401 unauthorized: a valid 'Authorization: Bearer <token>' is needed\n"
            "edgemqctl: no token given: --token T or EDGEMQ_ADMIN_TOKEN\n");
}

TEST(CtlRun, NoAnswerIsExit3WithTheUrl) {
  Invocation inv = invocation({"clients", "--url", "http://10.0.0.9:18083"});
  const RunOutput o = run(inv, [](const std::string&, const Request&) {
    return HttpResult{false, "Failed to connect to 10.0.0.9 port 18083: Connection refused", 0, ""};
  });
  EXPECT_EQ(o.exit_code, 3);
  EXPECT_EQ(o.err,
            "edgemqctl: cannot reach http://10.0.0.9:18083/api/v1/clients: "
            "Failed to connect to 10.0.0.9 port 18083: Connection refused\n");
}

TEST(CtlRun, SomethingElseAnsweringIsAnError) {
  FakeGateway gw;
  gw.answers["GET http://127.0.0.1:18083/api/v1/topics"] = {true, "", 502, "Bad Gateway\nfrom nginx"};
  RunOutput o = run(invocation({"topics"}), gw.transport());
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err, "edgemqctl: 502 http_error: Bad Gateway\n");
  gw.answers["GET http://127.0.0.1:18083/api/v1/topics"] = ok("<html>");
  o = run(invocation({"topics"}), gw.transport());
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err, "edgemqctl: 200 bad_answer: not JSON, from http://127.0.0.1:18083/api/v1/topics\n");
}

TEST(CtlRun, StatusAsksHealthThenStats) {
  FakeGateway gw;
  gw.answers["GET http://127.0.0.1:18083/api/v1/health"] = ok(kHealth);
  gw.answers["GET http://127.0.0.1:18083/api/v1/stats"] = ok(kStats);
  RunOutput o = run(invocation({"status"}), gw.transport());
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("\nconnections       1\n"), std::string::npos) << o.out;
  EXPECT_EQ(gw.asked, (std::vector<std::string>{"GET http://127.0.0.1:18083/api/v1/health",
                                                "GET http://127.0.0.1:18083/api/v1/stats"}));

  o = run(invocation({"status", "--json"}), gw.transport());
  EXPECT_EQ(o.exit_code, 0);
  const Json j = Json::parse(o.out);
  EXPECT_EQ(j["health"]["status"], "ok");
  EXPECT_EQ(j["stats"]["connections"]["current"], 1);
  EXPECT_EQ(o.out.substr(0, 14), "{\n  \"health\": ") << "indented";
}

TEST(CtlRun, DegradedStatusShowsTheTableAndExits1) {
  FakeGateway gw;
  gw.answers["GET http://127.0.0.1:18083/api/v1/health"] = {
      true, "", 503, R"({"status":"degraded","live":true,"ready":false,"store":{"ok":false,"errors":2}})"};
  gw.answers["GET http://127.0.0.1:18083/api/v1/stats"] = ok(kStats);
  const RunOutput o = run(invocation({"status"}), gw.transport());
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out.substr(0, 27), "status            degraded\n");
  EXPECT_EQ(o.err, "edgemqctl: 503 degraded: a store write failed in the last minute (see the gateway's log)\n");
}

TEST(CtlRun, JsonIsTheApisAnswerIndentedInItsOrder) {
  FakeGateway gw;
  gw.answers["DELETE http://127.0.0.1:18083/api/v1/clients/a%2Fb?session=true"] =
      ok(R"({"client_id":"a/b","kicked":true,"session_discarded":true})");
  RunOutput o = run(invocation({"--json", "kick", "a/b", "--session"}), gw.transport());
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "{\n  \"client_id\": \"a/b\",\n  \"kicked\": true,\n  \"session_discarded\": true\n}\n");
  o = run(invocation({"kick", "a/b", "--session"}), gw.transport());
  EXPECT_EQ(o.out, "kicked a/b; its session is discarded\n");
}

TEST(CtlRun, MetricsAsTheGatewayWritesThem) {
  FakeGateway gw;
  gw.answers["GET http://127.0.0.1:18083/metrics"] = ok("# TYPE edgemq_up gauge\nedgemq_up 1\n");
  const RunOutput o = run(invocation({"metrics", "--json"}), gw.transport());
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(o.out, "# TYPE edgemq_up gauge\nedgemq_up 1\n");
}

TEST(CtlRun, PublishSendsItsBody) {
  std::string sent;
  const Transport gateway = [&](const std::string&, const Request& r) {
    sent = r.method + " " + r.target + " " + r.body;
    return ok(R"({"topic":"a/b","qos":1,"retain":false,"matched":2})");
  };
  const RunOutput o = run(invocation({"publish", "a/b", "hi", "--qos", "1"}), gateway);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(sent, "POST /api/v1/publish "
                  R"({"topic":"a/b","payload":"hi","payload_encoding":"text","qos":1,"retain":false})");
  EXPECT_EQ(o.out, "published to a/b (qos 1): 2 subscriptions matched\n");
}

}  // namespace
}  // namespace edgemq::ctl
