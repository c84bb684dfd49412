// edgemqctl, the real binary, against a real gateway while real clients
// (mosquitto_sub, Paho) are connected: what an operator sees on stdout and
// stderr and the exit codes, for every command, with and without tokens,
// and with nothing listening.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/admin_support.h"
#include "tests/integration/cli.h"
#include "tests/integration/fixture.h"
#include "tests/integration/paho_client.h"

#ifndef EDGEMQ_CTL_BINARY
#error "EDGEMQ_CTL_BINARY must name the edgemqctl executable"
#endif

namespace edgemq::itest {
namespace {

using nlohmann::json;

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string s; in >> s;) w.push_back(s);
  return w;
}

// The words of the first output line whose first word is `first`; empty if none.
std::vector<std::string> row(const std::string& out, const std::string& first) {
  for (const std::string& line : split_lines(out)) {
    const auto w = words(line);
    if (!w.empty() && w[0] == first) return w;
  }
  return {};
}

// A key-value line ("connections       2", "  by protocol  3.1.1 1"): the value.
std::string value_of(const std::string& out, const std::string& key) {
  for (const std::string& line : split_lines(out)) {
    if (line.rfind(key + "  ", 0) != 0) continue;
    const size_t at = line.find_first_not_of(' ', key.size());
    return at == std::string::npos ? "" : line.substr(at);
  }
  return "(no line '" + key + "')";
}

class Edgemqctl : public Admin {
 protected:
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(gw_admin_port()); }

  // edgemqctl --url <this gateway> args...; stdin from `stdin_text` (a file) or /dev/null.
  CliResult ctl(const std::vector<std::string>& args, const std::string& stdin_text = {}) {
    std::vector<std::string> all = {"--url", base_url()};
    all.insert(all.end(), args.begin(), args.end());
    return run_cli(EDGEMQ_CTL_BINARY, all, 20s, stdin_text);
  }
  // With environment variables set (NAME=value ...), through env(1).
  CliResult ctl_env(const std::vector<std::string>& env, const std::vector<std::string>& args) {
    std::vector<std::string> all = env;
    all.push_back(EDGEMQ_CTL_BINARY);
    all.insert(all.end(), args.begin(), args.end());
    return run_cli("/usr/bin/env", all, 20s);
  }
  json api(const std::string& path) {
    const HttpResult r = curl({"-g", url(path)});
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
};

TEST_F(Edgemqctl, StatusClientsAndSubscriptionsShowAConnectedMosquittoSub) {
  CliProcess alice;
  ASSERT_TRUE(start_mosquitto_sub(alice, port(), "it-ctl-alice", {"-u", "alice", "-t", topic("#"), "-q", "1"},
                                  "mqttv311"));

  CliResult r;
  ASSERT_TRUE(wait_until([&] { return value_of((r = ctl({"status"})).out, "connections") == "1"; }, 5s))
      << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(value_of(r.out, "status"), "ok");
  EXPECT_EQ(value_of(r.out, "  by transport"), "mqtt 1");
  EXPECT_EQ(value_of(r.out, "  by protocol"), "3.1.1 1");
  EXPECT_EQ(value_of(r.out, "store"), "ok, 0 errors");
  EXPECT_NE(value_of(r.out, "listeners").find("mqtt " + std::to_string(port())), std::string::npos) << r.out;

  // The clients table: the header, alice's row with her username, the footer.
  r = ctl({"clients", "--prefix", "it-ctl-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(words(lines[0]), (std::vector<std::string>{"CLIENT", "ID", "STATE", "PROTO", "TRANSPORT", "PEER",
                                                       "USERNAME", "INFLIGHT", "QUEUED", "SUBS", "CONNECTED",
                                                       "SINCE"}));
  const auto a = words(lines[1]);
  ASSERT_EQ(a.size(), 10u) << lines[1];
  EXPECT_EQ(a[0], "it-ctl-alice");
  EXPECT_EQ(a[1], "connected");
  EXPECT_EQ(a[2], "3.1.1");
  EXPECT_EQ(a[3], "mqtt");
  EXPECT_EQ(a[4].rfind("127.0.0.1:", 0), 0u) << a[4];
  EXPECT_EQ(a[5], "alice");
  EXPECT_EQ(a[8], "1") << "one subscription";
  EXPECT_EQ(lines[2], "total 1, showing 1..1");
  EXPECT_EQ(ctl({"clients", "--prefix", "it-ctl-", "--state", "offline"}).out, "total 0\n");
  EXPECT_NE(ctl({"clients", "--username", "alice"}).out.find("it-ctl-alice"), std::string::npos);

  // --json: the API's answer, the same one curl gets.
  r = ctl({"--json", "clients", "--prefix", "it-ctl-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json mine = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(mine.is_discarded()) << r.out;
  EXPECT_EQ(mine, api("/api/v1/clients?id_prefix=it-ctl-"));
  EXPECT_EQ(mine["items"][0]["username"], "alice");
  EXPECT_NE(r.out.find("\n  \"total\": 1\n"), std::string::npos) << "indented: " << r.out;

  r = ctl({"client", "it-ctl-alice"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(value_of(r.out, "username"), "alice");
  EXPECT_EQ(value_of(r.out, "state"), "connected");
  EXPECT_EQ(row(r.out, topic("#")), (std::vector<std::string>{topic("#"), "1", "no", "no", "-", "-"})) << r.out;

  r = ctl({"subscriptions", "--client", "it-ctl-alice"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(row(r.out, "it-ctl-alice"),
            (std::vector<std::string>{"it-ctl-alice", topic("#"), "1", "no", "no", "-", "-"}))
      << r.out;
  EXPECT_EQ(split_lines(r.out).back(), "total 1, showing 1..1");
  EXPECT_EQ(ctl({"subscriptions", "--client", "it-ctl-alice", "--qos", "0"}).out, "total 0\n");

  r = ctl({"topics", "--match", topic("x/y")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(row(r.out, topic("#")), (std::vector<std::string>{topic("#"), "1", "0"})) << r.out;

  r = ctl({"metrics"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\nedgemq_connections{listener=\"mqtt\",protocol=\"3.1.1\"} 1\n"), std::string::npos)
      << r.out;

  r = ctl({"client", "it-ctl-nobody"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "edgemqctl: 404 not_found: client it-ctl-nobody not found\n");
}

TEST_F(Edgemqctl, KickDisconnectsAClientAndEndsItsSession) {
  // A persistent session (clean session 0): kicked, it stays, offline.
  {
    PahoClient dev(uri(), "it-ctl-dev");
    ASSERT_TRUE(dev.connect(false));
    ASSERT_TRUE(dev.subscribe(topic("d"), 1));
    ASSERT_EQ(value_of(ctl({"client", "it-ctl-dev"}).out, "state"), "connected");

    const CliResult r = ctl({"kick", "it-ctl-dev"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "kicked it-ctl-dev\n");
    EXPECT_TRUE(wait_until([&] { return !dev.is_connected(); }, 5s)) << "the client saw its connection closed";
  }
  CliResult r;
  const auto state = [&] {
    const auto w = row((r = ctl({"clients", "--prefix", "it-ctl-"})).out, "it-ctl-dev");
    return w.size() > 1 ? w[1] : std::string();
  };
  EXPECT_TRUE(wait_until([&] { return state() == "offline"; }, 5s)) << r.out;

  // Offline: kicking needs --session, which ends the session.
  r = ctl({"kick", "it-ctl-dev"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "edgemqctl: 409 not_connected: client it-ctl-dev is not connected; ?session=true discards its "
                   "session\n");
  r = ctl({"kick", "it-ctl-dev", "--session"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "kicked it-ctl-dev; its session is discarded\n");
  EXPECT_EQ(ctl({"clients", "--prefix", "it-ctl-"}).out, "total 0\n");
  EXPECT_EQ(ctl({"client", "it-ctl-dev"}).exit_code, 1);

  // A 5.0 mosquitto_sub (clean start, no session expiry) listed, kicked: it
  // hears DISCONNECT and ends, and its session ends with the connection.
  CliProcess sub;
  ASSERT_TRUE(start_mosquitto_sub(sub, port(), "it-ctl-sub", {"-u", "bob", "-t", topic("s"), "-q", "1"}, "mqttv5"));
  r = ctl({"clients", "--username", "bob"});
  ASSERT_EQ(row(r.out, "it-ctl-sub").size(), 10u) << r.out;
  EXPECT_EQ(row(r.out, "it-ctl-sub")[1], "connected");
  r = ctl({"kick", "it-ctl-sub"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "kicked it-ctl-sub\n");
  const CliResult gone = sub.wait(5s);
  EXPECT_TRUE(gone.exited) << "mosquitto_sub ends when the server disconnects it";
  EXPECT_TRUE(wait_until([&] { return ctl({"clients", "--prefix", "it-ctl-sub"}).out == "total 0\n"; }, 5s));
}

TEST_F(Edgemqctl, PublishReachesASubscriberWithItsPropertiesAndBinaryStdin) {
  PahoClient sub(uri(), "it-ctl-sub5", MQTTVERSION_5);
  ASSERT_TRUE(sub.connect(true));
  ASSERT_TRUE(sub.subscribe(topic("pub/#"), 1));

  CliResult r = ctl({"publish", topic("pub/a"), "hello", "--qos", "1", "--user-property", "source=edgemqctl",
                     "--content-type", "text/plain"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "published to " + topic("pub/a") + " (qos 1): 1 subscription matched\n");
  auto m = sub.receive(5s);
  EXPECT_TRUE(is_message_with_properties(m, topic("pub/a"), "hello", 1, "text/plain", {"source", "edgemqctl"}));

  // Binary bytes on stdin arrive byte for byte (sent base64 underneath).
  const std::string binary("\x00\xff\x10\n\x80", 5);
  r = ctl({"publish", topic("pub/bin"), "-", "--qos", "1"}, binary);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  m = sub.receive(5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->get_payload_str(), binary);

  // No payload with stdin a file: stdin, as is.
  r = ctl({"publish", topic("pub/text")}, "line one\nline two\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  m = sub.receive(5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->get_payload_str(), "line one\nline two\n");
  EXPECT_EQ(m->get_qos(), 0);

  // --base64 from stdin, wrapped as base64(1) writes it.
  r = ctl({"publish", topic("pub/b64"), "--base64"}, "AP8Q\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  m = sub.receive(5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->get_payload_str(), std::string("\x00\xff\x10", 3));

  // The gateway's refusal in its own words.
  r = ctl({"publish", topic("pub/#"), "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "edgemqctl: 400 bad_request: topic must be a topic name (no wildcards)\n");
}

TEST_F(Edgemqctl, RetainedMessagesListedShownAndDeleted) {
  CliResult r = ctl({"publish", topic("ret/a"), "21.5", "--retain", "--qos", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "published to " + topic("ret/a") + " (qos 1, retained): 0 subscriptions matched\n");
  ASSERT_EQ(ctl({"publish", topic("ret/b"), "--retain", "-"}, std::string("\x01\xfe", 2)).exit_code, 0);

  r = ctl({"retained", "--filter", topic("ret/#")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(row(r.out, topic("ret/a")), (std::vector<std::string>{topic("ret/a"), "1", "4", "21.5", "-", "-"}))
      << r.out;
  EXPECT_EQ(row(r.out, topic("ret/b")),
            (std::vector<std::string>{topic("ret/b"), "0", "2", "[base64]", "Af4=", "-", "-"}))
      << r.out;
  EXPECT_EQ(split_lines(r.out).back(), "total 2, showing 1..2");
  r = ctl({"retained", "--filter", topic("ret/#"), "--limit", "1", "--offset", "1"});
  EXPECT_EQ(split_lines(r.out).back(), "total 2, showing 2..2") << r.out;

  r = ctl({"retained", "get", topic("ret/a")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(value_of(r.out, "payload"), "21.5");
  EXPECT_EQ(value_of(r.out, "qos"), "1");
  EXPECT_EQ(json::parse(ctl({"retained", "get", topic("ret/a"), "--json"}).out)["payload"], "21.5");

  r = ctl({"retained", "delete", topic("ret/a")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "deleted the retained message on " + topic("ret/a") + "\n");
  r = ctl({"retained", "get", topic("ret/a")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "edgemqctl: 404 not_found: nothing retained on " + topic("ret/a") + "\n");
  EXPECT_EQ(ctl({"retained", "delete", topic("ret/a")}).exit_code, 1);
  // A late subscriber agrees: nothing retained there any more.
  EXPECT_EQ(run_cli("mosquitto_sub", {"-h", "127.0.0.1", "-p", std::to_string(port()), "-t", topic("ret/a"), "-C",
                                      "1", "-W", "1"},
                    5s)
                .out,
            "");
}

TEST_F(Edgemqctl, UnreachableAndUsageErrors) {
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(pick_free_port());
  CliResult r = run_cli(EDGEMQ_CTL_BINARY, {"--url", nowhere, "status"}, 20s);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("edgemqctl: cannot reach " + nowhere + "/api/v1/health: ", 0), 0u) << r.err;

  r = ctl({"clients", "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "edgemqctl: clients has no option --bogus\nTry 'edgemqctl --help'.\n");
  r = ctl({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("retained delete TOPIC"), std::string::npos);
  // The gateway judges the values' domains, in its own words.
  r = ctl({"clients", "--limit", "5000"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "edgemqctl: 400 bad_paging: limit is 1..1000, offset 0 or more\n");
}

class EdgemqctlWithToken : public Edgemqctl {
 protected:
  GatewayOptions options() const override {
    GatewayOptions o;
    o.extra_args = {"--admin-tokens", "s3cret"};
    return o;
  }
};

TEST_F(EdgemqctlWithToken, RefusedWithoutTheTokenAndServedWithIt) {
  CliResult r = ctl({"status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "edgemqctl: 401 unauthorized: a valid 'Authorization: Bearer <token>' is needed\n"
            "edgemqctl: no token given: --token T or EDGEMQ_ADMIN_TOKEN\n");
  r = ctl({"clients", "--token", "wrong"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "edgemqctl: 401 unauthorized: a valid 'Authorization: Bearer <token>' is needed\n");

  r = ctl({"--token", "s3cret", "status"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(value_of(r.out, "status"), "ok");
  r = ctl_env({"EDGEMQ_ADMIN_TOKEN=s3cret", "EDGEMQ_ADMIN_URL=" + base_url()}, {"clients"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "total 0\n");
  r = ctl_env({"EDGEMQ_ADMIN_TOKEN=s3cret"}, {"--url", base_url(), "publish", topic("t"), "x"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The flag beats the environment.
  r = ctl_env({"EDGEMQ_ADMIN_TOKEN=s3cret"}, {"--url", base_url(), "--token", "wrong", "metrics"});
  EXPECT_EQ(r.exit_code, 1);
}

}  // namespace
}  // namespace edgemq::itest
