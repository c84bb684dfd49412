// /metrics and /api/v1/stats of a real gateway follow what real clients do:
// how connection attempts ended, why connected clients went away, messages
// by QoS, what sessions hold, and the store-commit and loop-lag histograms.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "tests/integration/admin_support.h"
#include "tests/integration/cli.h"
#include "tests/integration/fixture.h"
#include "tests/integration/paho_client.h"
#include "tests/integration/raw_client.h"

namespace edgemq::itest {
namespace {

class AdminMetricsLive : public Admin {
 protected:
  std::string page() { return "\n" + curl({url("/metrics")}).body; }
  // A sample's value, -1 when the line is missing.
  double value(const std::string& name) { return metric(page(), name); }
  bool reaches(const std::string& name, double at_least) {
    return wait_until([&] { return value(name) >= at_least; }, 5s);
  }
};

TEST_F(AdminMetricsLive, ConnectAttemptsAreCountedByHowTheyEnded) {
  // The harness probed the port while the gateway started: counted from here.
  const std::string m = R"(edgemq_connect_attempts_total{listener="mqtt",result=")";
  const std::string before = page();
  const auto delta = [&](const std::string& p, const std::string& name) {
    return metric(p, name) - metric(before, name);
  };
  {
    RawClient ok;
    ASSERT_TRUE(ok.open_and_connect(port(), "it-met-ok"));
    ASSERT_TRUE(ok.disconnect());
  }
  {
    // No client id with clean session 0: CONNACK 0x02 [MQTT-3.1.3-8].
    RawClient refused;
    ASSERT_TRUE(refused.open(port()));
    mqtt::Connack ack;
    ASSERT_TRUE(refused.connect(make_connect("", false), ack));
    EXPECT_EQ(ack.code, mqtt::ConnackCode::IdentifierRejected);
  }
  {
    const int fd = connect_loopback(port(), 5);
    ASSERT_GE(fd, 0);
    const char junk[] = "\xff\xff\xff\xff";
    ASSERT_EQ(::send(fd, junk, 4, 0), 4);
    char buf[16];
    EXPECT_LE(::recv(fd, buf, sizeof buf, 0), 0) << "closed for a broken first packet";
    ::close(fd);
  }
  {
    const int fd = connect_loopback(port(), 5);
    ASSERT_GE(fd, 0);
    ::close(fd);  // gone before CONNECT
  }
  EXPECT_TRUE(wait_until([&] { return delta(page(), m + R"(closed"})") >= 1; }, 5s)) << page();
  const std::string p = page();
  EXPECT_EQ(delta(p, m + R"(accepted"})"), 1) << before << p;
  EXPECT_EQ(delta(p, m + R"(rejected"})"), 1);
  EXPECT_EQ(delta(p, m + R"(malformed"})"), 1);
  EXPECT_EQ(delta(p, m + R"(closed"})"), 1);
  EXPECT_EQ(delta(p, m + R"(timeout"})"), 0);
  EXPECT_EQ(delta(p, R"(edgemq_connections_accepted_total{listener="mqtt"})"), 4) << "every socket";
}

TEST_F(AdminMetricsLive, DisconnectsAreCountedByReason) {
  {
    RawClient polite;
    ASSERT_TRUE(polite.open_and_connect(port(), "it-met-polite"));
    ASSERT_TRUE(polite.disconnect());
  }
  {
    RawClient lost;
    ASSERT_TRUE(lost.open_and_connect(port(), "it-met-lost"));
    lost.close();  // no DISCONNECT
  }
  RawClient first, kicked;
  ASSERT_TRUE(first.open_and_connect(port(), "it-met-twice"));
  PahoClient second(uri(), "it-met-twice");  // takes the session over [MQTT-3.1.4-3]
  ASSERT_TRUE(second.connect(true));
  ASSERT_TRUE(first.expect_closed(5000ms));
  ASSERT_TRUE(kicked.open_and_connect(port(), "it-met-kicked"));
  ASSERT_EQ(curl({"-X", "DELETE", url("/api/v1/clients/it-met-kicked")}).status, 200);
  ASSERT_TRUE(kicked.expect_closed(5000ms));

  const std::string r = R"(edgemq_disconnects_total{reason=")";
  EXPECT_TRUE(reaches(r + R"(kicked"})", 1)) << page();
  const std::string p = page();
  EXPECT_EQ(metric(p, r + R"(client_disconnect"})"), 1) << p;
  EXPECT_EQ(metric(p, r + R"(connection_lost"})"), 1);
  EXPECT_EQ(metric(p, r + R"(taken_over"})"), 1);
  EXPECT_EQ(metric(p, r + R"(keepalive_timeout"})"), 0);
  const auto stats = nlohmann::json::parse(curl({url("/api/v1/stats")}).body);
  EXPECT_EQ(stats["connections"]["disconnects"]["kicked"], 1);
}

TEST_F(AdminMetricsLive, MessagesByQosSessionsAndHistograms) {
  {
    PahoClient offline(uri(), "it-met-offline");
    ASSERT_TRUE(offline.connect(false));
    ASSERT_TRUE(offline.subscribe(topic("q"), 1));
    ASSERT_TRUE(offline.disconnect());
  }
  PahoClient pub(uri(), "it-met-pub");
  ASSERT_TRUE(pub.connect(true));
  ASSERT_TRUE(pub.publish(topic("q"), "one", 1));
  ASSERT_TRUE(pub.publish(topic("q"), "two", 1));
  ASSERT_TRUE(pub.publish(topic("other"), "12345", 0));

  // The loop-lag histogram gets a sample every tick; a second gives ten.
  EXPECT_TRUE(reaches(R"(edgemq_loop_lag_seconds_count{worker="0"})", 5)) << page();
  const std::string p = page();
  EXPECT_EQ(metric(p, R"(edgemq_messages_received_total{qos="1"})"), 2) << p;
  EXPECT_EQ(metric(p, R"(edgemq_messages_received_total{qos="0"})"), 1);
  EXPECT_EQ(metric(p, R"(edgemq_message_payload_received_bytes_total{qos="1"})"), 6);
  EXPECT_EQ(metric(p, R"(edgemq_message_payload_received_bytes_total{qos="0"})"), 5);
  EXPECT_EQ(metric(p, R"(edgemq_sessions{state="offline"})"), 1);
  EXPECT_EQ(metric(p, R"(edgemq_sessions{state="connected"})"), 1);
  EXPECT_EQ(metric(p, "edgemq_queued_messages"), 2) << "the offline subscriber's two QoS 1 messages";
  EXPECT_EQ(metric(p, "edgemq_subscriptions"), 1);
  EXPECT_GE(metric(p, "edgemq_store_commit_duration_seconds_count"), 2) << "each QoS 1 message was committed";
  EXPECT_EQ(metric(p, R"(edgemq_store_commit_duration_seconds_bucket{le="+Inf"})"),
            metric(p, "edgemq_store_commit_duration_seconds_count"));

  const auto stats = nlohmann::json::parse(curl({url("/api/v1/stats")}).body);
  EXPECT_EQ(stats["messages"]["by_qos"]["1"]["received"], 2);
  EXPECT_EQ(stats["sessions"]["queued"], 2);
  EXPECT_GE(stats["store"]["commits"], 2);
  EXPECT_GT(stats["store"]["size_bytes"], 0) << "RocksDB's WAL and manifest at least";
  EXPECT_GT(metric(p, "edgemq_store_size_bytes"), 0);
  EXPECT_TRUE(stats["loop_lag_ms"]["max"].is_number());

  // Back online, the queue drains into the client and the gauge follows.
  PahoClient back(uri(), "it-met-offline");
  ASSERT_TRUE(back.connect(false));
  ASSERT_TRUE(back.receive(5s));
  ASSERT_TRUE(back.receive(5s));
  EXPECT_TRUE(wait_until([&] { return value("edgemq_queued_messages") == 0; }, 5s)) << page();
  EXPECT_TRUE(reaches(R"(edgemq_messages_sent_total{qos="1"})", 2));
}

}  // namespace
}  // namespace edgemq::itest
