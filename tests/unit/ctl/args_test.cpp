// edgemqctl's command line to requests, without sockets: every command's
// method and percent-encoded target, global options anywhere and from the
// environment, and the usage errors a user gets.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "gateway/ctl/args.h"

namespace edgemq::ctl {
namespace {

using Action = ParseResult::Action;

struct Env {
  std::map<std::string, std::string> vars;
  EnvLookup lookup() const {
    return [this](const char* name) -> const char* {
      const auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

ParseResult parse(const std::vector<std::string>& args, const Env& env = {}, bool tty = true) {
  return parse_args(args, env.lookup(), tty);
}

// The one request a command makes, as "METHOD target".
std::string request_of(const std::vector<std::string>& args) {
  const ParseResult r = parse(args);
  EXPECT_EQ(r.action, Action::Run) << r.text;
  if (r.invocation.requests.size() != 1) return "requests: " + std::to_string(r.invocation.requests.size());
  return r.invocation.requests[0].method + " " + r.invocation.requests[0].target;
}

std::string usage_error(const std::vector<std::string>& args) {
  const ParseResult r = parse(args);
  EXPECT_EQ(r.action, Action::Usage);
  return r.text;
}

TEST(CtlArgs, EveryRouteHasACommand) {
  const ParseResult status = parse({"status"});
  ASSERT_EQ(status.action, Action::Run);
  ASSERT_EQ(status.invocation.requests.size(), 2u);
  EXPECT_EQ(status.invocation.requests[0].target, "/api/v1/health");
  EXPECT_EQ(status.invocation.requests[1].target, "/api/v1/stats");
  EXPECT_EQ(status.invocation.view, View::Status);

  EXPECT_EQ(request_of({"metrics"}), "GET /metrics");
  EXPECT_EQ(request_of({"clients"}), "GET /api/v1/clients");
  EXPECT_EQ(request_of({"client", "dev-1"}), "GET /api/v1/clients/dev-1");
  EXPECT_EQ(request_of({"kick", "dev-1"}), "DELETE /api/v1/clients/dev-1");
  EXPECT_EQ(request_of({"kick", "dev-1", "--session"}), "DELETE /api/v1/clients/dev-1?session=true");
  EXPECT_EQ(request_of({"subscriptions"}), "GET /api/v1/subscriptions");
  EXPECT_EQ(request_of({"topics"}), "GET /api/v1/topics");
  EXPECT_EQ(request_of({"retained"}), "GET /api/v1/retained");
  EXPECT_EQ(request_of({"retained", "get", "plant/a/temp"}), "GET /api/v1/retained/plant%2Fa%2Ftemp");
  EXPECT_EQ(request_of({"retained", "delete", "plant/a/temp"}), "DELETE /api/v1/retained/plant%2Fa%2Ftemp");
  EXPECT_EQ(request_of({"publish", "plant/a/cmd", "reboot"}), "POST /api/v1/publish");
}

TEST(CtlArgs, FiltersAndPagingBecomeEncodedQueryParameters) {
  EXPECT_EQ(request_of({"clients", "--prefix", "dev/1 ", "--username", "al+ce", "--transport", "ws", "--state",
                        "connected", "--limit", "5", "--offset", "10"}),
            "GET /api/v1/clients?id_prefix=dev%2F1%20&username=al%2Bce&transport=ws&state=connected&limit=5&offset=10");
  EXPECT_EQ(request_of({"subscriptions", "--client", "a&b", "--filter", "$share/g/plant/#", "--group", "g", "--qos",
                        "1", "--limit=2"}),
            "GET /api/v1/subscriptions?client_id=a%26b&filter=%24share%2Fg%2Fplant%2F%23&share_group=g&qos=1&limit=2");
  EXPECT_EQ(request_of({"topics", "--match", "plant/a/temp"}), "GET /api/v1/topics?match=plant%2Fa%2Ftemp");
  EXPECT_EQ(request_of({"retained", "--filter", "plant/+/temp", "--offset", "3"}),
            "GET /api/v1/retained?filter=plant%2F%2B%2Ftemp&offset=3");
  // An empty value still goes: the gateway treats it as absent.
  EXPECT_EQ(request_of({"clients", "--prefix="}), "GET /api/v1/clients?id_prefix=");
}

TEST(CtlArgs, ClientIdsAndTopicsStayOnePathSegment) {
  EXPECT_EQ(request_of({"client", "dev/1?x#y %z"}), "GET /api/v1/clients/dev%2F1%3Fx%23y%20%25z");
  EXPECT_EQ(request_of({"kick", "Düsseldorf-7"}), "DELETE /api/v1/clients/D%C3%BCsseldorf-7");
  EXPECT_EQ(request_of({"retained", "get", "$SYS/broker/uptime"}), "GET /api/v1/retained/%24SYS%2Fbroker%2Fuptime");
  EXPECT_EQ(request_of({"retained", "get", "--", "-odd"}), "GET /api/v1/retained/-odd");
}

TEST(CtlArgs, GlobalOptionsGoAnywhereAndBeatTheEnvironment) {
  Env env{{{"EDGEMQ_ADMIN_URL", "edge-box:18083/"}, {"EDGEMQ_ADMIN_TOKEN", "from-env"}}};
  ParseResult r = parse({"clients"}, env);
  ASSERT_EQ(r.action, Action::Run);
  EXPECT_EQ(r.invocation.globals.url, "http://edge-box:18083");
  EXPECT_EQ(r.invocation.globals.token, "from-env");
  EXPECT_FALSE(r.invocation.globals.json);
  EXPECT_EQ(r.invocation.globals.timeout_s, 10);

  r = parse({"--json", "clients", "--url", "https://gw.example/admin/", "--token=t0", "--timeout", "2.5"}, env);
  ASSERT_EQ(r.action, Action::Run) << r.text;
  EXPECT_EQ(r.invocation.globals.url, "https://gw.example/admin");
  EXPECT_EQ(r.invocation.globals.token, "t0");
  EXPECT_TRUE(r.invocation.globals.json);
  EXPECT_EQ(r.invocation.globals.timeout_s, 2.5);

  r = parse({"status"});
  EXPECT_EQ(r.invocation.globals.url, "http://127.0.0.1:18083");
  EXPECT_EQ(r.invocation.globals.token, "");
}

TEST(CtlArgs, HelpAndVersion) {
  ParseResult r = parse({"--help"});
  EXPECT_EQ(r.action, Action::Help);
  EXPECT_NE(r.text.find("publish TOPIC"), std::string::npos);
  r = parse({"clients", "-h"});
  EXPECT_EQ(r.action, Action::Help);
  EXPECT_NE(r.text.find("--prefix P"), std::string::npos);
  EXPECT_NE(r.text.find("--limit N"), std::string::npos);
  r = parse({"--version"});
  EXPECT_EQ(r.action, Action::Version);
  EXPECT_EQ(r.text.rfind("edgemqctl ", 0), 0u);
}

TEST(CtlArgs, UsageErrorsSayWhatIsWrong) {
  EXPECT_EQ(usage_error({}), "no command given");
  EXPECT_EQ(usage_error({"stats"}), "unknown command 'stats'");
  EXPECT_EQ(usage_error({"--bogus", "status"}), "unknown option --bogus");
  EXPECT_EQ(usage_error({"clients", "--bogus"}), "clients has no option --bogus");
  EXPECT_EQ(usage_error({"clients", "--session"}), "clients has no option --session");
  EXPECT_EQ(usage_error({"clients", "--limit"}), "--limit needs a value");
  EXPECT_EQ(usage_error({"clients", "--limit", "ten"}), "--limit takes a whole number, not 'ten'");
  EXPECT_EQ(usage_error({"clients", "--limit", "-1"}), "--limit takes a whole number, not '-1'");
  EXPECT_EQ(usage_error({"subscriptions", "--qos", "3"}), "--qos takes a whole number from 0 to 2, not '3'");
  EXPECT_EQ(usage_error({"client"}), "client takes one client ID");
  EXPECT_EQ(usage_error({"client", ""}), "the client id is empty");
  EXPECT_EQ(usage_error({"kick", "a", "b"}), "kick takes one client ID");
  EXPECT_EQ(usage_error({"status", "now"}), "status takes no arguments");
  EXPECT_EQ(usage_error({"kick", "a", "--session=yes"}), "--session takes no value");
  EXPECT_EQ(usage_error({"retained", "show", "a"}),
            "retained takes 'get TOPIC' or 'delete TOPIC', or lists with --filter, not 'show'");
  EXPECT_EQ(usage_error({"retained", "get"}), "retained get takes one TOPIC");
  EXPECT_EQ(usage_error({"retained", "get", "a", "--filter", "#"}), "retained get takes no --filter");
  EXPECT_EQ(usage_error({"status", "--timeout", "0"}), "--timeout takes a number of seconds above 0, not '0'");
  EXPECT_EQ(usage_error({"status", "--timeout", "soon"}), "--timeout takes a number of seconds above 0, not 'soon'");
  EXPECT_EQ(usage_error({"status", "--token", "a\r\nX-Evil: 1"}), "the token holds control characters");
  EXPECT_EQ(usage_error({"publish"}), "publish takes a TOPIC and at most one PAYLOAD (or '-' for stdin)");
  EXPECT_EQ(usage_error({"publish", "t", "--user-property", "novalue"}),
            "--user-property takes KEY=VALUE, not 'novalue'");
  EXPECT_EQ(usage_error({"publish", "t", "--user-property", "k=1", "--user-property", "k=2"}),
            "--user-property k is given twice; the API takes each key once");
  EXPECT_EQ(usage_error({"publish", "t", "--expiry", "4294967296"}),
            "--expiry takes a whole number from 0 to 4294967295, not '4294967296'");
}

TEST(CtlArgs, PublishBuildsTheDocumentedBody) {
  const ParseResult r = parse({"publish", "plant/a/cmd", "reboot", "--qos", "1", "--retain", "--content-type",
                               "text/plain", "--expiry", "60", "--response-topic", "plant/a/reply",
                               "--correlation-data", "req-7", "--user-property", "source=ops", "--user-property",
                               "ticket=a=b", "--format-indicator", "1"});
  ASSERT_EQ(r.action, Action::Run) << r.text;
  ASSERT_EQ(r.invocation.requests.size(), 1u);
  EXPECT_EQ(r.invocation.view, View::Publish);
  EXPECT_EQ(r.invocation.requests[0].body,
            R"({"topic":"plant/a/cmd","payload":"reboot","payload_encoding":"text","qos":1,"retain":true,)"
            R"("properties":{"payload_format_indicator":1,"message_expiry_interval":60,"content_type":"text/plain",)"
            R"("response_topic":"plant/a/reply","correlation_data":"req-7",)"
            R"("user_properties":{"source":"ops","ticket":"a=b"}}})");
}

TEST(CtlArgs, PublishPayloadFromStdinOrNothing) {
  // '-' reads stdin, whatever it is.
  ParseResult r = parse({"publish", "t", "-"}, {}, true);
  ASSERT_EQ(r.action, Action::Run);
  EXPECT_EQ(r.invocation.payload_from, PayloadFrom::Stdin);
  // No payload: stdin when it is a pipe or file, an empty message on a terminal.
  r = parse({"publish", "t"}, {}, false);
  EXPECT_EQ(r.invocation.payload_from, PayloadFrom::Stdin);
  r = parse({"publish", "t", "--retain"}, {}, true);
  ASSERT_EQ(r.action, Action::Run);
  EXPECT_EQ(r.invocation.payload_from, PayloadFrom::Argument);
  EXPECT_EQ(r.invocation.requests[0].body,
            R"({"topic":"t","payload":"","payload_encoding":"text","qos":0,"retain":true})");
  // A negative number is a payload, not an option.
  r = parse({"publish", "sensors/t1", "-3.5"});
  ASSERT_EQ(r.action, Action::Run) << r.text;
  EXPECT_EQ(r.invocation.requests[0].body,
            R"({"topic":"sensors/t1","payload":"-3.5","payload_encoding":"text","qos":0,"retain":false})");
}

TEST(CtlArgs, NormalizeUrl) {
  EXPECT_EQ(normalize_url("127.0.0.1:18083"), "http://127.0.0.1:18083");
  EXPECT_EQ(normalize_url("http://h:1//"), "http://h:1");
  EXPECT_EQ(normalize_url("https://h/prefix/"), "https://h/prefix");
}

}  // namespace
}  // namespace edgemq::ctl
