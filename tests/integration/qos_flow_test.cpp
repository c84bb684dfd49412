// QoS 1/2 flows seen at the byte level: inbound QoS 2 de-duplication until
// PUBREL [MQTT-4.3.3-2], outbound QoS 2 handshake, and redelivery of an
// unacknowledged QoS 1 message with DUP=1 on reconnect [MQTT-4.4.0-1].
#include "tests/integration/fixture.h"
#include "tests/integration/raw_client.h"

namespace edgemq::itest {
namespace {

using QosFlow = GatewayTest;

// Reads PUBLISHes (acknowledging QoS 1) until one carries `marker`; returns
// the payloads before it.
std::vector<std::string> payloads_until(RawClient& sub, const std::string& marker) {
  std::vector<std::string> seen;
  for (;;) {
    mqtt::Publish p;
    if (!sub.expect(p, 5s)) {
      ADD_FAILURE() << "marker '" << marker << "' never arrived";
      return seen;
    }
    if (p.qos == 1) sub.send(mqtt::Puback{p.packet_id});
    if (p.payload == marker) return seen;
    seen.push_back(p.payload);
  }
}

TEST_F(QosFlow, Qos2PublishResentBeforePubrelIsDeliveredOnce) {
  RawClient sub, pub;
  ASSERT_TRUE(sub.open_and_connect(port(), "it-q2-sub"));
  ASSERT_TRUE(sub.subscribe(topic("t"), 1));
  ASSERT_TRUE(pub.open_and_connect(port(), "it-q2-pub"));

  mqtt::Publish p;
  p.topic = topic("t");
  p.payload = "exactly-once";
  p.qos = 2;
  p.packet_id = 7;
  ASSERT_TRUE(pub.send(p));
  mqtt::Pubrec rec;
  ASSERT_TRUE(pub.expect(rec, 5s));
  EXPECT_EQ(rec.packet_id, 7);
  p.dup = true;  // the client did not see PUBREC in time and resends
  ASSERT_TRUE(pub.send(p));
  ASSERT_TRUE(pub.expect(rec, 5s));
  EXPECT_EQ(rec.packet_id, 7);
  ASSERT_TRUE(pub.send(mqtt::Pubrel{7}));
  mqtt::Pubcomp comp;
  ASSERT_TRUE(pub.expect(comp, 5s));
  EXPECT_EQ(comp.packet_id, 7);
  ASSERT_TRUE(pub.publish(topic("t"), "marker", 1, false, 8));

  EXPECT_EQ(payloads_until(sub, "marker"), std::vector<std::string>{"exactly-once"});
}

TEST_F(QosFlow, Qos2OutboundHandshake) {
  RawClient sub, pub;
  ASSERT_TRUE(sub.open_and_connect(port(), "it-q2-out-sub"));
  ASSERT_TRUE(sub.subscribe(topic("t"), 2));
  ASSERT_TRUE(pub.open_and_connect(port(), "it-q2-out-pub"));
  ASSERT_TRUE(pub.publish(topic("t"), "two", 2));

  mqtt::Publish got;
  ASSERT_TRUE(sub.expect(got, 5s));
  EXPECT_EQ(got.payload, "two");
  EXPECT_EQ(got.qos, 2);
  EXPECT_FALSE(got.dup);
  EXPECT_NE(got.packet_id, 0);
  ASSERT_TRUE(sub.send(mqtt::Pubrec{got.packet_id}));
  mqtt::Pubrel rel;
  ASSERT_TRUE(sub.expect(rel, 5s));
  EXPECT_EQ(rel.packet_id, got.packet_id);
  ASSERT_TRUE(sub.send(mqtt::Pubcomp{got.packet_id}));

  ASSERT_TRUE(pub.publish(topic("t"), "marker", 1));
  EXPECT_EQ(payloads_until(sub, "marker"), std::vector<std::string>{});
}

TEST_F(QosFlow, UnacknowledgedQos1RedeliveredWithDupOnReconnect) {
  RawClient sub, pub;
  ASSERT_TRUE(sub.open_and_connect(port(), "it-redeliver", false));
  ASSERT_TRUE(sub.subscribe(topic("t"), 1));
  ASSERT_TRUE(pub.open_and_connect(port(), "it-redeliver-pub"));
  ASSERT_TRUE(pub.publish(topic("t"), "needs-ack", 1));

  mqtt::Publish first;
  ASSERT_TRUE(sub.expect(first, 5s));
  EXPECT_FALSE(first.dup);
  sub.close();  // never acknowledged, no DISCONNECT

  ASSERT_TRUE(sub.open(port()));
  mqtt::Connack ack;
  ASSERT_TRUE(sub.connect(make_connect("it-redeliver", false), ack));
  EXPECT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  EXPECT_TRUE(ack.session_present);
  mqtt::Publish again;
  ASSERT_TRUE(sub.expect(again, 5s));
  EXPECT_EQ(again.payload, "needs-ack");
  EXPECT_TRUE(again.dup);
  EXPECT_EQ(again.qos, 1);
  EXPECT_EQ(again.packet_id, first.packet_id);
  ASSERT_TRUE(sub.send(mqtt::Puback{again.packet_id}));

  // Once acknowledged it is gone: the next thing is a new message.
  ASSERT_TRUE(pub.publish(topic("t"), "marker", 1, false, 2));
  EXPECT_EQ(payloads_until(sub, "marker"), std::vector<std::string>{});
}

}  // namespace
}  // namespace edgemq::itest
