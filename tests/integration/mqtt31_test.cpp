// MQTT 3.1 ("MQIsdp", level 3) CONNECTs at the byte level, where 3.1 differs
// from 3.1.1: what the connect flags reserve, what a client id must be, and
// what the first byte of CONNACK means (MQTT V3.1, IBM, section 3.1 and 3.2).
#include <string>

#include "tests/integration/fixture.h"
#include "tests/integration/raw_client.h"

namespace edgemq::itest {
namespace {

// A length-prefixed string [MQTT-1.5.3].
std::string str(const std::string& s) {
  return std::string{static_cast<char>(s.size() >> 8), static_cast<char>(s.size() & 0xFF)} + s;
}

// A 3.1 CONNECT: "MQIsdp", level 3, `flags`, keep-alive 60, client id `id`.
std::string connect31(uint8_t flags, const std::string& id) {
  const std::string body = str("MQIsdp") + '\x03' + static_cast<char>(flags) + std::string("\x00\x3c", 2) + str(id);
  return std::string(1, '\x10') + static_cast<char>(body.size()) + body;
}

using Mqtt31 = GatewayTest;

// Bit 0 of the connect flags is reserved in 3.1.1 [MQTT-3.1.2-3], not in
// 3.1: the CONNECT is accepted (CONNACK 0) and the connection works.
TEST_F(Mqtt31, ConnectFlagBit0IsAccepted) {
  RawClient c;
  ASSERT_TRUE(c.open(port()));
  ASSERT_TRUE(c.send_bytes(connect31(0x03, "it-31-bit0")));  // bit 0 + clean session
  mqtt::Connack ack;
  ASSERT_TRUE(c.expect(ack, 5s));
  EXPECT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  EXPECT_FALSE(ack.session_present);
  EXPECT_TRUE(c.ping());
}

// 3.1 requires a client id of 1 to 23 characters and answers CONNACK 2
// (identifier rejected) otherwise (3.1, section 3.1, "Payload"); unlike
// 3.1.1 [MQTT-3.1.3-6] it assigns none, even with clean session 1.
TEST_F(Mqtt31, EmptyClientIdGetsConnack2AndTheConnectionCloses) {
  RawClient c;
  ASSERT_TRUE(c.open(port()));
  ASSERT_TRUE(c.send_bytes(connect31(0x02, "")));
  mqtt::Connack ack;
  ASSERT_TRUE(c.expect(ack, 5s));
  EXPECT_EQ(ack.code, mqtt::ConnackCode::IdentifierRejected);
  EXPECT_FALSE(ack.session_present);
  EXPECT_TRUE(c.expect_closed(5s));
}

// The 23-character limit is not enforced, as Mosquitto does not: 3.1.1
// servers may allow longer ids [MQTT-3.1.3-5], and devices that send them
// work with other brokers.
TEST_F(Mqtt31, ClientIdLongerThan23CharactersIsAccepted) {
  RawClient c;
  ASSERT_TRUE(c.open(port()));
  ASSERT_TRUE(c.send_bytes(connect31(0x02, "it-31-a-client-id-of-forty-characters-x")));
  mqtt::Connack ack;
  ASSERT_TRUE(c.expect(ack, 5s));
  EXPECT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  EXPECT_TRUE(c.ping());
}

}  // namespace
}  // namespace edgemq::itest
