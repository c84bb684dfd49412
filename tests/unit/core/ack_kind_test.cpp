// Acknowledgements of messages the gateway sent: one of the wrong kind for a
// message in flight is a protocol violation [MQTT-4.8.0-1] (5.0: Protocol
// Error, section 4.13); one for an id not in flight is ignored (a late
// duplicate); a PUBREL is always answered [MQTT-4.3.3-2] (5.0
// [MQTT-4.3.3-11]).
#include "tests/unit/core/v5_harness.h"

namespace edgemq::core::testing {
namespace {

namespace reason = mqtt::reason;

// `sub` subscribed at QoS 2 and sent one message at `qos`; its packet id.
uint16_t deliver_one(ShardHarness& h, FakeLink& sub, FakeLink& pub, uint8_t qos) {
  h.subscribe(sub, "t", 2);
  h.connect(pub, "pub");
  h.publish(pub, "t", "m", qos, 1);
  h.settle();
  const auto got = sub.all<mqtt::Publish>();
  EXPECT_EQ(got.size(), 1u);
  return got.empty() ? 0 : got[0].packet_id;
}

TEST(AckKind, PubrecOrPubcompForAQos1MessageIsAViolation_MQTT_4_3_2_3) {
  for (bool pubrec : {true, false}) {
    ShardHarness h;
    FakeLink sub(1), pub(2);
    h.connect(sub, "sub");
    const uint16_t id = deliver_one(h, sub, pub, 1);
    const mqtt::Packet wrong = pubrec ? mqtt::Packet{mqtt::Pubrec{id}} : mqtt::Packet{mqtt::Pubcomp{id}};
    EXPECT_EQ(h.shard().on_packet(sub.id(), mqtt::Packet(wrong)), reason::kProtocolError) << "PUBREC? " << pubrec;
    EXPECT_TRUE(sub.all<mqtt::Pubrel>().empty()) << "a PUBREC for QoS 1 is not answered";
  }
}

TEST(AckKind, PubackOrPubcompBeforeThePubrecOfAQos2MessageIsAViolation_MQTT_4_3_3_3) {
  for (bool puback : {true, false}) {
    ShardHarness h;
    FakeLink sub(1), pub(2);
    h.connect(sub, "sub");
    const uint16_t id = deliver_one(h, sub, pub, 2);
    const mqtt::Packet wrong = puback ? mqtt::Packet{mqtt::Puback{id}} : mqtt::Packet{mqtt::Pubcomp{id}};
    EXPECT_EQ(h.shard().on_packet(sub.id(), mqtt::Packet(wrong)), reason::kProtocolError) << "PUBACK? " << puback;
  }
}

TEST(AckKind, PubackForAQos2MessageAwaitingPubcompIsAViolation_MQTT_4_3_3_5) {
  ShardHarness h;
  FakeLink sub(1), pub(2);
  h.connect(sub, "sub");
  const uint16_t id = deliver_one(h, sub, pub, 2);
  ASSERT_EQ(h.shard().on_packet(sub.id(), mqtt::Pubrec{id}), 0);
  EXPECT_EQ(h.shard().on_packet(sub.id(), mqtt::Puback{id}), reason::kProtocolError);
}

// A second PUBREC for a message already received gets its PUBREL again; the
// flow then completes as usual.
TEST(AckKind, PubrecAgainGetsPubrelAgain_MQTT_4_3_3_4) {
  ShardHarness h;
  FakeLink sub(1), pub(2);
  h.connect(sub, "sub");
  const uint16_t id = deliver_one(h, sub, pub, 2);
  ASSERT_EQ(h.shard().on_packet(sub.id(), mqtt::Pubrec{id}), 0);
  ASSERT_EQ(h.shard().on_packet(sub.id(), mqtt::Pubrec{id}), 0);
  EXPECT_EQ(sub.all<mqtt::Pubrel>().size(), 2u);
  EXPECT_EQ(h.shard().on_packet(sub.id(), mqtt::Pubcomp{id}), 0);
}

// Acknowledgements for ids not in flight, e.g. a duplicate of one already
// taken, are not violations: PUBACK and PUBCOMP are ignored, a PUBREC gets
// a PUBREL so the client can finish its flow.
TEST(AckKind, AcksForIdsNotInFlightAreTolerated) {
  ShardHarness h;
  FakeLink sub(1), pub(2);
  h.connect(sub, "sub");
  const uint16_t id = deliver_one(h, sub, pub, 1);
  ASSERT_EQ(h.shard().on_packet(sub.id(), mqtt::Puback{id}), 0);
  EXPECT_EQ(h.shard().on_packet(sub.id(), mqtt::Puback{id}), 0) << "a duplicate PUBACK";
  EXPECT_EQ(h.shard().on_packet(sub.id(), mqtt::Pubcomp{77}), 0);
  EXPECT_EQ(h.shard().on_packet(sub.id(), mqtt::Pubrec{78}), 0);
  const auto rel = sub.all<mqtt::Pubrel>();
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].packet_id, 78);
  EXPECT_FALSE(sub.closed);
}

// The receiver answers every PUBREL with PUBCOMP, known id or not
// [MQTT-4.3.3-2]: a publisher whose PUBCOMP was lost sends its PUBREL
// again after reconnecting, and that is no violation.
TEST(AckKind, APubrelAgainAfterThePubcompGetsPubcompAgain_MQTT_4_3_3_2) {
  ShardHarness h;
  FakeLink pub(1);
  h.connect(pub, "pub");
  h.publish(pub, "t", "m", 2, 5);
  h.settle();
  for (int i = 0; i < 2; ++i) EXPECT_EQ(h.shard().on_packet(pub.id(), mqtt::Pubrel{5}), 0) << i;
  h.settle();
  const auto comps = pub.all<mqtt::Pubcomp>();
  ASSERT_EQ(comps.size(), 2u);
  EXPECT_EQ(comps[1].packet_id, 5);
  EXPECT_FALSE(pub.closed);
}

// 5.0: the same violations; the net layer sends DISCONNECT with the reason
// returned. A PUBREC for an id not in flight gets PUBREL 0x92 (3.6.2.1).
TEST(AckKindV5, WrongKindIsAProtocolErrorAndUnknownPubrecGetsPacketIdNotFound_MQTT_4_13) {
  V5Harness h;
  FakeLink sub(1), pub(2);
  h.connect_v5(sub, "sub");
  const uint16_t id = deliver_one(h, sub, pub, 1);
  EXPECT_EQ(h.shard().on_packet(sub.id(), mqtt::Pubrec{78}), 0);
  const auto rel = sub.all<mqtt::Pubrel>();
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].reason_code, reason::kPacketIdNotFound);
  EXPECT_EQ(h.shard().on_packet(sub.id(), mqtt::Pubrec{id}), reason::kProtocolError);
}

}  // namespace
}  // namespace edgemq::core::testing
