// MQTT 3.1 ("MQIsdp", level 3) CONNECTs at the byte level, where 3.1 differs
// from 3.1.1: what the connect flags reserve, what a client id must be, and
// what the first byte of CONNACK means (MQTT V3.1, IBM, section 3.1 and 3.2).
#include <string>

#include "tests/integration/fixture.h"
#include "tests/integration/raw_client.h"
#include "tests/integration/wire_bytes.h"

namespace edgemq::itest {
namespace {

// A 3.1 CONNECT: "MQIsdp", level 3, `flags`, keep-alive 60, client id `id`.
std::string connect31(uint8_t flags, const std::string& id) {
  return packet(0x10, str("MQIsdp") + '\x03' + static_cast<char>(flags) + std::string("\x00\x3c", 2) + str(id));
}

class Mqtt31 : public GatewayTest {
 protected:
  // Opens `c`, sends connect31(flags, id) and reads the CONNACK into `ack`.
  ::testing::AssertionResult connect(RawClient& c, uint8_t flags, const std::string& id, mqtt::Connack& ack) {
    if (auto r = c.open(port()); !r) return r;
    if (!c.send_bytes(connect31(flags, id))) return ::testing::AssertionFailure() << "sending CONNECT failed";
    return c.expect(ack, 5s);
  }
};

// Bit 0 of the connect flags is reserved in 3.1.1 [MQTT-3.1.2-3], not in
// 3.1: the CONNECT is accepted (CONNACK 0) and the connection works.
TEST_F(Mqtt31, ConnectFlagBit0IsAccepted) {
  RawClient c;
  mqtt::Connack ack;
  ASSERT_TRUE(connect(c, 0x03, "it-31-bit0", ack));  // bit 0 + clean session
  EXPECT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  EXPECT_FALSE(ack.session_present);
  EXPECT_TRUE(c.ping());
}

// 3.1 requires a client id of 1 to 23 characters and answers CONNACK 2
// (identifier rejected) otherwise (3.1, section 3.1, "Payload"); unlike
// 3.1.1 [MQTT-3.1.3-6] it assigns none, even with clean session 1.
TEST_F(Mqtt31, EmptyClientIdGetsConnack2AndTheConnectionCloses) {
  RawClient c;
  mqtt::Connack ack;
  ASSERT_TRUE(connect(c, 0x02, "", ack));
  EXPECT_EQ(ack.code, mqtt::ConnackCode::IdentifierRejected);
  EXPECT_FALSE(ack.session_present);
  EXPECT_TRUE(c.expect_closed(5s));
}

// The 23-character limit is not enforced, as Mosquitto does not: 3.1.1
// servers may allow longer ids [MQTT-3.1.3-5], and devices that send them
// work with other brokers.
TEST_F(Mqtt31, ClientIdLongerThan23CharactersIsAccepted) {
  RawClient c;
  mqtt::Connack ack;
  ASSERT_TRUE(connect(c, 0x02, "it-31-a-client-id-of-forty-characters-x", ack));
  EXPECT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  EXPECT_TRUE(c.ping());
}

// 3.1's CONNACK has no session present flag: byte 1 is "reserved values,
// not used" (3.1, section 3.2) and is sent as 0, also when a persistent
// session resumes; the message queued meanwhile arrives all the same.
TEST_F(Mqtt31, ConnackByte1IsZeroWhenThePersistentSessionResumes) {
  RawClient first;
  mqtt::Connack ack;
  ASSERT_TRUE(connect(first, 0x00, "it-31-resume", ack));  // clean session 0
  ASSERT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  ASSERT_TRUE(first.subscribe(topic("t"), 1));
  first.close();

  RawClient pub;
  ASSERT_TRUE(pub.open_and_connect(port(), "it-31-pub"));
  ASSERT_TRUE(pub.publish(topic("t"), "while away", 1));

  RawClient back;
  ASSERT_TRUE(back.open(port()));
  ASSERT_TRUE(back.send_bytes(connect31(0x00, "it-31-resume")));
  // Its bytes are 20 02 00 00 (the decoder keeps bit 0 of byte 1 and
  // refuses the other bits, so re-encoding loses nothing).
  mqtt::Packet p;
  ASSERT_EQ(back.read(p, 5s), ReadStatus::Packet);
  ASSERT_TRUE(std::holds_alternative<mqtt::Connack>(p)) << describe(p);
  EXPECT_EQ(encode(p), std::string("\x20\x02\x00\x00", 4));
  mqtt::Publish got;
  ASSERT_TRUE(back.expect(got, 5s));
  EXPECT_EQ(got.payload, "while away");
}

}  // namespace
}  // namespace edgemq::itest
