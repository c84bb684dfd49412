// A 5.0 client's Maximum Packet Size bounds the CONNACK too [MQTT-3.1.2-24]:
// a client that cannot take the gateway's CONNACK is closed without one
// (3.2.2.2 lets a server close without a CONNACK), as Mosquitto does.
#include <string>

#include "tests/integration/v5_support.h"

namespace edgemq::itest {
namespace {

using V5ConnackSize = V5Gateway;

mqtt::Properties max_packet_size(uint32_t max) {
  mqtt::Properties p;
  p.maximum_packet_size = max;
  return p;
}

// Maximum Packet Size 2, as raw bytes: nothing comes back, the connection
// closes.
TEST_F(V5ConnackSize, MaximumPacketSize2ClosesWithoutConnack_MQTT_3_1_2_24) {
  RawClient c;
  ASSERT_TRUE(c.open(port()));
  c.set_level(mqtt::ProtocolLevel::V5);
  ASSERT_TRUE(c.send_bytes(bytes({
      0x10, 0x1B,                                // CONNECT, remaining length 27
      0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,      // MQTT 5.0
      0x02, 0x00, 0x3C,                          // clean start, keep-alive 60
      0x05, 0x27, 0x00, 0x00, 0x00, 0x02,        // properties: Maximum Packet Size 2
      0x00, 0x09, 'i', 't', '-', 't', 'i', 'n', 'y', '-', '2',
  })));
  std::vector<mqtt::Packet> before;
  ASSERT_TRUE(c.expect_closed(5s, &before));
  for (const auto& p : before) ADD_FAILURE() << "unexpected " << describe(p);
}

// The bound is the whole CONNACK: one byte short is closed, exactly its
// size is accepted.
TEST_F(V5ConnackSize, TheLimitIsTheWholeConnack_MQTT_3_1_2_24) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("mosquitto 2.0.11 leaves the CONNACK's first byte out of the size it checks "
                              "(an 11-byte CONNACK reaches a client that takes 10)");
  RawClient probe;
  mqtt::Connack ack;
  ASSERT_NO_FATAL_FAILURE(connect_v5(probe, "it-size-probe", {}, true, &ack));
  const auto size = static_cast<uint32_t>(mqtt::encoded_size(ack, mqtt::ProtocolLevel::V5));

  RawClient short_by_one;
  ASSERT_TRUE(short_by_one.open(port()));
  short_by_one.set_level(mqtt::ProtocolLevel::V5);
  ASSERT_TRUE(short_by_one.send(make_connect_v5("it-size-short", true, max_packet_size(size - 1))));
  std::vector<mqtt::Packet> before;
  ASSERT_TRUE(short_by_one.expect_closed(5s, &before));
  EXPECT_TRUE(before.empty()) << "a CONNACK of " << size << " bytes was sent to a client taking " << size - 1;

  RawClient exact;
  ASSERT_NO_FATAL_FAILURE(connect_v5(exact, "it-size-exact", max_packet_size(size), true, &ack));
  EXPECT_EQ(mqtt::encoded_size(ack, mqtt::ProtocolLevel::V5), size);
  EXPECT_TRUE(exact.ping());
}

}  // namespace
}  // namespace edgemq::itest
