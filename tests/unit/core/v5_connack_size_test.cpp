// A 5.0 client's Maximum Packet Size bounds the CONNACK too: the server
// must not send a larger packet [MQTT-3.1.2-24]. One too small for the
// gateway's CONNACK is closed without one (3.2.2.2 lets a server close
// without a CONNACK), before it touches any session.
#include "protocols/mqtt/codec.h"
#include "tests/unit/core/v5_harness.h"

namespace edgemq::core::testing {
namespace {

namespace reason = mqtt::reason;

mqtt::Connect connect_with_max(const std::string& id, uint32_t max, mqtt::Properties props = {}) {
  mqtt::Connect c;
  c.level = mqtt::ProtocolLevel::V5;
  c.client_id = id;
  props.maximum_packet_size = max;
  c.props = std::move(props);
  return c;
}

// The size of the CONNACK accepting a plain 5.0 CONNECT on this gateway.
size_t connack_size(V5Harness& h) {
  FakeLink probe(99);
  const mqtt::Connack ack = h.connect_v5(probe, "probe");
  h.shard().on_link_closed(probe.id(), true);
  return mqtt::encoded_size(ack, mqtt::ProtocolLevel::V5);
}

TEST(V5ConnackSize, AClientThatCannotTakeTheConnackIsClosedWithoutOne_MQTT_3_1_2_24) {
  V5Harness h;
  FakeLink tiny(1);
  mqtt::Connect c = connect_with_max("dev", 2);
  const auto r = h.shard().on_connect(tiny, c);
  EXPECT_EQ(r.outcome, Shard::ConnectOutcome::Rejected);
  EXPECT_TRUE(tiny.sent.empty()) << "not even a 5-byte refusal fits in 2 bytes";
  EXPECT_TRUE(tiny.closed);
  EXPECT_EQ(h.shard().session_count(), 0u);
}

TEST(V5ConnackSize, TheLimitIsTheWholeConnack_MQTT_3_1_2_24) {
  V5Harness h;
  const size_t size = connack_size(h);
  FakeLink short_by_one(1), exact(2);
  mqtt::Connect c = connect_with_max("a", static_cast<uint32_t>(size - 1));
  EXPECT_EQ(h.shard().on_connect(short_by_one, c).outcome, Shard::ConnectOutcome::Rejected);
  EXPECT_TRUE(short_by_one.sent.empty());
  mqtt::Connect d = connect_with_max("b", static_cast<uint32_t>(size));
  EXPECT_EQ(h.shard().on_connect(exact, d).outcome, Shard::ConnectOutcome::Accepted);
  ASSERT_EQ(exact.all<mqtt::Connack>().size(), 1u);
}

// Refused before it could take over: the connected client keeps its session.
TEST(V5ConnackSize, ARefusedConnectTakesNothingOver_MQTT_3_1_2_24) {
  V5Harness h;
  FakeLink first(1), tiny(2);
  h.connect_v5(first, "dev", with_expiry(60), false);
  mqtt::Connect c = connect_with_max("dev", 4);
  EXPECT_EQ(h.shard().on_connect(tiny, c).outcome, Shard::ConnectOutcome::Rejected);
  EXPECT_FALSE(first.closed);
  EXPECT_TRUE(first.all<mqtt::Disconnect>().empty());
}

// A refusing CONNACK without properties is 5 bytes: sent when it fits,
// left out when it does not.
TEST(V5ConnackSize, ARefusalIsSentOnlyWhenItFits_MQTT_3_1_2_24) {
  V5Harness h;
  mqtt::Properties p;
  p.auth_method = "SCRAM-SHA-1";  // none is configured: 0x8C
  FakeLink fits(1), does_not(2);
  mqtt::Connect c = connect_with_max("a", 5, p);
  EXPECT_EQ(h.shard().on_connect(fits, c).outcome, Shard::ConnectOutcome::Rejected);
  ASSERT_EQ(fits.all<mqtt::Connack>().size(), 1u);
  EXPECT_EQ(static_cast<uint8_t>(fits.all<mqtt::Connack>()[0].code), reason::kBadAuthenticationMethod);
  mqtt::Connect d = connect_with_max("b", 4, p);
  EXPECT_EQ(h.shard().on_connect(does_not, d).outcome, Shard::ConnectOutcome::Rejected);
  EXPECT_TRUE(does_not.sent.empty());
  EXPECT_TRUE(does_not.closed);
}

}  // namespace
}  // namespace edgemq::core::testing
