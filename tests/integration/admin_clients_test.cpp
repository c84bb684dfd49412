// Steering a real gateway over the admin endpoint with curl, while real
// clients (mosquitto_sub, Paho, a raw MQTT client) are connected: clients
// listed and shown with their connection and session, kicked (with the
// will and the 5.0 reason a user expects), sessions discarded,
// subscriptions and topics listed, messages published and retained ones
// cleared.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

#include "tests/integration/admin_support.h"
#include "tests/integration/cli.h"
#include "tests/integration/fixture.h"
#include "tests/integration/paho_client.h"
#include "tests/integration/raw_client.h"

namespace edgemq::itest {
namespace {

using nlohmann::json;

class AdminClients : public Admin {
 protected:
  json get_json(const std::string& path, int expect_status = 200) {
    const HttpResult r = curl({"-g", url(path)});
    EXPECT_EQ(r.status, expect_status) << path << ": " << r.body;
    return r.status == 0 ? json() : json::parse(r.body, nullptr, false);
  }
  HttpResult del(const std::string& path) { return curl({"-g", "-X", "DELETE", url(path)}); }
  HttpResult post_json(const std::string& path, const json& body) {
    return curl({"-H", "Content-Type: application/json", "--data-binary", body.dump(), url(path)});
  }
};

uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

TEST_F(AdminClients, ClientsAreListedWithTheirConnectionAndSession) {
  const uint64_t before = now_ms();
  CliProcess alice;
  ASSERT_TRUE(start_mosquitto_sub(alice, port(), "it-adm-alice",
                                  {"-u", "alice", "-c", "-k", "45", "-t", topic("#"), "-q", "1"}, "mqttv311"));
  PahoClient bob(uri(), "it-adm-bob", MQTTVERSION_5);
  ASSERT_TRUE(bob.connect(true));
  ASSERT_TRUE(bob.subscribe(topic("x"), 0));

  json page;
  ASSERT_TRUE(wait_until([&] { return (page = get_json("/api/v1/clients?id_prefix=it-adm-"))["total"] == 2; }, 5s))
      << page;
  ASSERT_EQ(page["items"].size(), 2u);
  const json& a = page["items"][0];  // by client id
  EXPECT_EQ(a["client_id"], "it-adm-alice");
  EXPECT_EQ(a["connected"], true);
  EXPECT_EQ(a["username"], "alice");
  EXPECT_EQ(a["protocol"], "3.1.1");
  EXPECT_EQ(a["transport"], "mqtt");
  EXPECT_EQ(a["keep_alive_s"], 45);
  EXPECT_EQ(a["persistent"], true) << "clean session 0 [MQTT-3.1.2-4]";
  EXPECT_EQ(a["subscription_count"], 1);
  EXPECT_EQ(a["peer"].get<std::string>().rfind("127.0.0.1:", 0), 0u) << a["peer"];
  EXPECT_GE(a["connected_at_ms"].get<uint64_t>() + 1000, before);
  EXPECT_LE(a["connected_at_ms"].get<uint64_t>(), now_ms());
  const json& b = page["items"][1];
  EXPECT_EQ(b["client_id"], "it-adm-bob");
  EXPECT_EQ(b["protocol"], "5.0");
  EXPECT_EQ(b["persistent"], false);
  EXPECT_EQ(b["username"], "");

  EXPECT_EQ(get_json("/api/v1/clients?id_prefix=it-adm-&username=alice")["total"], 1);
  EXPECT_EQ(get_json("/api/v1/clients?id_prefix=it-adm-&transport=ws")["total"], 0);
  EXPECT_EQ(get_json("/api/v1/clients?id_prefix=it-adm-&state=offline")["total"], 0);
  const json second = get_json("/api/v1/clients?id_prefix=it-adm-&limit=1&offset=1");
  EXPECT_EQ(second["total"], 2);
  ASSERT_EQ(second["items"].size(), 1u);
  EXPECT_EQ(second["items"][0]["client_id"], "it-adm-bob");

  const json one = get_json("/api/v1/clients/it-adm-alice");
  ASSERT_EQ(one["subscriptions"].size(), 1u) << one;
  EXPECT_EQ(one["subscriptions"][0]["filter"], topic("#"));
  EXPECT_EQ(one["subscriptions"][0]["qos"], 1);
  get_json("/api/v1/clients/it-adm-nobody", 404);

  const json subs = get_json("/api/v1/subscriptions?client_id=it-adm-alice");
  ASSERT_EQ(subs["total"], 1) << subs;
  EXPECT_EQ(subs["items"][0]["filter"], topic("#"));
  EXPECT_EQ(get_json("/api/v1/subscriptions?qos=0&client_id=it-adm-bob")["total"], 1);
  const json topics = get_json("/api/v1/topics?match=" + topic("x"));
  ASSERT_EQ(topics["total"], 2) << "both filters reach " << topic("x") << ": " << topics;
  EXPECT_EQ(topics["items"][0]["filter"], topic("#"));
  EXPECT_EQ(topics["items"][0]["subscriptions"], 1);

  // mosquitto_sub gone, its persistent session stays, offline.
  alice.wait(100ms);  // killed at the deadline: the connection drops
  ASSERT_TRUE(wait_until([&] {
    return get_json("/api/v1/clients?id_prefix=it-adm-alice&state=offline")["total"] == 1;
  }, 5s));
  const json offline = get_json("/api/v1/clients/it-adm-alice");
  EXPECT_EQ(offline["connected"], false);
  EXPECT_FALSE(offline.contains("peer"));
  EXPECT_EQ(offline["subscription_count"], 1);
}

TEST_F(AdminClients, KickTellsA5ClientWhyAndItsWillGoesOut) {
  PahoClient watcher(uri(), "it-adm-watcher");
  ASSERT_TRUE(watcher.connect(true));
  ASSERT_TRUE(watcher.subscribe(topic("will/#"), 1));
  RawClient dev;
  mqtt::Connect c = make_connect_v5("it-adm-kick");
  c.will = mqtt::Will{topic("will/kick"), "bye", 1, false, {}};
  ASSERT_TRUE(dev.open_and_connect_v5(port(), c));

  const HttpResult r = del("/api/v1/clients/it-adm-kick");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["kicked"], true);
  mqtt::Disconnect d;
  ASSERT_TRUE(dev.expect(d, 5000ms));
  EXPECT_EQ(d.reason_code, mqtt::reason::kAdministrativeAction) << "0x98 [MQTT-3.14.2.1]";
  EXPECT_TRUE(dev.expect_closed(5000ms));
  const auto will = watcher.receive(5s);
  ASSERT_TRUE(will) << "the will of a connection the server closes [MQTT-3.1.2-8]";
  EXPECT_EQ(will->get_payload_str(), "bye");
  EXPECT_TRUE(wait_until([&] { return curl({url("/api/v1/clients/it-adm-kick")}).status == 404; }, 5s))
      << "a clean session ends with its connection";
  EXPECT_EQ(del("/api/v1/clients/it-adm-nobody").status, 404);
}

TEST_F(AdminClients, KickWithSessionTrueDiscardsAPersistentSession) {
  {
    PahoClient dev(uri(), "it-adm-persist");
    ASSERT_TRUE(dev.connect(false));
    ASSERT_TRUE(dev.subscribe(topic("p"), 1));
    ASSERT_TRUE(dev.disconnect());
  }
  ASSERT_TRUE(wait_until([&] {
    return get_json("/api/v1/clients?id_prefix=it-adm-persist&state=offline")["total"] == 1;
  }, 5s));
  HttpResult r = del("/api/v1/clients/it-adm-persist");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"], "not_connected");
  r = del("/api/v1/clients/it-adm-persist?session=true");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["session_discarded"], true);
  get_json("/api/v1/clients/it-adm-persist", 404);

  // Gone for good: not after a restart either, and a publish finds no subscriber.
  ASSERT_TRUE(gw().stop());
  ASSERT_TRUE(gw().restart());
  get_json("/api/v1/clients/it-adm-persist", 404);
  PahoClient again(uri(), "it-adm-persist");
  bool present = true;
  ASSERT_TRUE(again.connect(false, &present));
  EXPECT_FALSE(present) << "no session to resume [MQTT-3.2.2-3]";
}

TEST_F(AdminClients, PublishReachesSubscribersWithItsPropertiesAndRetainedIsCleared) {
  PahoClient sub(uri(), "it-adm-sub5", MQTTVERSION_5);
  ASSERT_TRUE(sub.connect(true));
  ASSERT_TRUE(sub.subscribe(topic("pub/#"), 1));

  HttpResult r = post_json("/api/v1/publish", {{"topic", topic("pub/a")},
                                                {"payload", "hello"},
                                                {"qos", 1},
                                                {"retain", true},
                                                {"properties", {{"content_type", "text/plain"},
                                                                {"user_properties", {{"source", "admin"}}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["matched"], 1);
  auto m = sub.receive(5s);
  EXPECT_TRUE(is_message_with_properties(m, topic("pub/a"), "hello", 1, "text/plain", {"source", "admin"}));

  r = post_json("/api/v1/publish",
                {{"topic", topic("pub/raw")}, {"payload", "AP8Q"}, {"payload_encoding", "base64"}});
  ASSERT_EQ(r.status, 200) << r.body;
  m = sub.receive(5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->get_payload_str(), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(m->get_qos(), 0);

  // The retained copy, as a late subscriber (mosquitto_sub) sees it, and after DELETE not any more.
  const auto late = [&] {
    return run_cli("mosquitto_sub", {"-h", "127.0.0.1", "-p", std::to_string(port()), "-t", topic("pub/a"), "-C",
                                     "1", "-W", "2"},
                   5s);
  };
  EXPECT_EQ(late().out, "hello\n");
  EXPECT_EQ(get_json("/api/v1/retained/" + topic("pub/a"))["payload"], "hello");
  r = del("/api/v1/retained/" + topic("pub/a"));
  ASSERT_EQ(r.status, 200) << r.body;
  get_json("/api/v1/retained/" + topic("pub/a"), 404);
  EXPECT_EQ(late().out, "") << "nothing retained any more";
  EXPECT_FALSE(sub.receive(500ms)) << "subscribers get no empty message from a DELETE";
  EXPECT_EQ(del("/api/v1/retained/" + topic("pub/a")).status, 404);
  ASSERT_TRUE(gw().stop());
  ASSERT_TRUE(gw().restart());
  get_json("/api/v1/retained/" + topic("pub/a"), 404);  // the store forgot it too

  r = post_json("/api/v1/publish", {{"topic", topic("pub/#")}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"], "bad_request");
  r = curl({"-H", "Content-Type: application/json", "--data-binary", "{not json", url("/api/v1/publish")});
  EXPECT_EQ(r.status, 400);
}

}  // namespace
}  // namespace edgemq::itest
