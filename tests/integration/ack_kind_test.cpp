// Acknowledgements a subscriber sends for the messages the gateway delivers,
// as raw bytes: one of the wrong kind for a message in flight closes the
// connection [MQTT-4.8.0-1] (5.0: DISCONNECT 0x82 first, section 4.13); one
// for an id not in flight is tolerated, and a PUBREL always gets a PUBCOMP
// [MQTT-4.3.3-2].
#include <string>

#include "tests/integration/v5_support.h"

namespace edgemq::itest {
namespace {

// A PUBACK (0x40), PUBREC (0x50), PUBREL (0x62) or PUBCOMP (0x70) for `id`,
// in the two-byte form both versions share.
std::string ack_bytes(uint8_t type_and_flags, uint16_t id) {
  return bytes({type_and_flags, 0x02, id >> 8, id & 0xFF});
}
constexpr uint8_t kPuback = 0x40;
constexpr uint8_t kPubrec = 0x50;
constexpr uint8_t kPubrel = 0x62;
constexpr uint8_t kPubcomp = 0x70;

class AckKind : public V5Gateway {
 protected:
  // `sub` (subscribed at QoS 2) receives one message published at `qos`.
  mqtt::Publish deliver(RawClient& sub, uint8_t qos) {
    EXPECT_TRUE(sub.subscribe(topic("t"), 2));
    RawClient pub;
    EXPECT_TRUE(pub.open_and_connect(port(), "it-ack-pub"));
    EXPECT_TRUE(pub.publish(topic("t"), "m", qos));
    mqtt::Publish p;
    EXPECT_TRUE(sub.expect(p, 5s));
    EXPECT_EQ(p.qos, qos);
    return p;
  }
};

struct WrongKind {
  const char* name;
  uint8_t delivered_qos;
  uint8_t ack;  // what the subscriber answers it with
};

void PrintTo(const WrongKind& c, std::ostream* os) { *os << c.name; }

class AckOfWrongKind : public AckKind, public ::testing::WithParamInterface<WrongKind> {};

// The connection closes with nothing sent before: no PUBREL answers a
// PUBREC for a QoS 1 message.
TEST_P(AckOfWrongKind, ClosesTheConnection_MQTT_4_8_0_1) {
  const WrongKind& c = GetParam();
  RawClient sub;
  ASSERT_TRUE(sub.open_and_connect(port(), "it-ack-sub"));
  const mqtt::Publish p = deliver(sub, c.delivered_qos);
  ASSERT_TRUE(sub.send_bytes(ack_bytes(c.ack, p.packet_id)));
  std::vector<mqtt::Packet> before;
  EXPECT_TRUE(sub.expect_closed(5s, &before));
  for (const auto& got : before) ADD_FAILURE() << "unexpected " << describe(got);
}

INSTANTIATE_TEST_SUITE_P(
    Acks, AckOfWrongKind,
    ::testing::Values(WrongKind{"PubrecForQos1_MQTT_4_3_2_3", 1, kPubrec},
                      WrongKind{"PubcompForQos1_MQTT_4_3_2_3", 1, kPubcomp},
                      WrongKind{"PubackForQos2_MQTT_4_3_3_3", 2, kPuback},
                      WrongKind{"PubcompBeforePubrec_MQTT_4_3_3_3", 2, kPubcomp}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// 5.0: told why first, DISCONNECT 0x82 (Protocol Error), then the close.
TEST_F(AckKind, V5PubrecForQos1GetsDisconnectProtocolError_MQTT_4_13_1_1) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("mosquitto 2.0.11 closes without DISCONNECT");
  RawClient sub;
  ASSERT_NO_FATAL_FAILURE(connect_v5(sub, "it-ack-sub"));
  const mqtt::Publish p = deliver(sub, 1);
  ASSERT_TRUE(sub.send_bytes(ack_bytes(kPubrec, p.packet_id)));
  std::vector<mqtt::Packet> before;
  EXPECT_TRUE(sub.expect_disconnect(reason::kProtocolError, 5s, &before));
  EXPECT_TRUE(before.empty()) << "no PUBREL for a PUBREC of a QoS 1 message";
}

// What a client may legitimately send for ids that are not in flight: a
// duplicate PUBACK and a stray PUBCOMP are ignored, a stray PUBREC gets a
// PUBREL, and a PUBREL for an id the gateway is not holding gets a PUBCOMP
// [MQTT-4.3.3-2]. The connection stays.
TEST_F(AckKind, AcksForIdsNotInFlightAreTolerated) {
  RawClient sub;
  ASSERT_TRUE(sub.open_and_connect(port(), "it-ack-sub"));
  const mqtt::Publish p = deliver(sub, 1);
  ASSERT_TRUE(sub.send_bytes(ack_bytes(kPuback, p.packet_id)));
  ASSERT_TRUE(sub.send_bytes(ack_bytes(kPuback, p.packet_id)));  // again
  ASSERT_TRUE(sub.send_bytes(ack_bytes(kPubcomp, 77)));
  ASSERT_TRUE(sub.send_bytes(ack_bytes(kPubrec, 78)));
  mqtt::Pubrel rel;
  ASSERT_TRUE(sub.expect(rel, 5s));
  EXPECT_EQ(rel.packet_id, 78);
  ASSERT_TRUE(sub.send_bytes(ack_bytes(kPubrel, 79)));
  mqtt::Pubcomp comp;
  ASSERT_TRUE(sub.expect(comp, 5s));
  EXPECT_EQ(comp.packet_id, 79);
  EXPECT_TRUE(sub.ping());
}

// The flows themselves are unaffected: QoS 1 PUBACK, QoS 2 PUBREC, PUBREL,
// PUBCOMP, with a PUBREC sent twice answered twice.
TEST_F(AckKind, RightAcksCompleteTheFlows) {
  RawClient sub;
  ASSERT_TRUE(sub.open_and_connect(port(), "it-ack-sub"));
  mqtt::Publish p = deliver(sub, 1);
  ASSERT_TRUE(sub.send_bytes(ack_bytes(kPuback, p.packet_id)));
  RawClient pub;
  ASSERT_TRUE(pub.open_and_connect(port(), "it-ack-pub2"));
  ASSERT_TRUE(pub.publish(topic("t"), "two", 2));
  ASSERT_TRUE(sub.expect(p, 5s));
  ASSERT_EQ(p.qos, 2);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(sub.send_bytes(ack_bytes(kPubrec, p.packet_id)));
    mqtt::Pubrel rel;
    ASSERT_TRUE(sub.expect(rel, 5s)) << "PUBREC " << i;
    EXPECT_EQ(rel.packet_id, p.packet_id);
  }
  ASSERT_TRUE(sub.send_bytes(ack_bytes(kPubcomp, p.packet_id)));
  EXPECT_TRUE(sub.ping());
}

}  // namespace
}  // namespace edgemq::itest
