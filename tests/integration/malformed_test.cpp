// Malformed input closes the offending connection [MQTT-4.8] and nothing else:
// a client connected before and a client connecting after keep working. Each
// case is annotated bytes, sent either as the first packet or after a valid
// CONNECT.
#include "tests/integration/fixture.h"
#include "tests/integration/raw_client.h"
#include "tests/integration/wire_bytes.h"

namespace edgemq::itest {
namespace {

std::string connect_bytes(const std::string& name, uint8_t level, uint8_t flags) {
  return packet(0x10, str(name) + static_cast<char>(level) + static_cast<char>(flags) +
                          std::string("\x00\x3c", 2) + str("it-bad-connect"));
}

// A 3.1.1 CONNECT with `flags` and the payload fields after the keep-alive.
std::string connect_with(uint8_t flags, const std::string& payload) {
  return packet(0x10, str("MQTT") + '\x04' + static_cast<char>(flags) + std::string("\x00\x3c", 2) + payload);
}

struct Case {
  const char* name;
  bool after_connect;  // false: these bytes are the connection's first packet
  std::string bytes;
  const char* skip_under_mosquitto = nullptr;  // why mosquitto behaves differently
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> cases() {
  using namespace std::string_literals;
  return {
      {"SubscribeWithReservedFlags0000", true, packet(0x80, "\x00\x01"s + str("a") + '\x00')},
      {"PingreqWithReservedFlags", true, "\xC1\x00"s,
       "mosquitto 2.0.11 ignores the flag bits of PINGREQ"},
      {"PublishTopicIllFormedUtf8", true, packet(0x30, "\x00\x02\xC3\x28"s + "x")},
      {"PublishTopicOverlongUtf8", true, packet(0x30, "\x00\x02\xC0\xAF"s + "x")},
      {"PublishTopicWithNul", true, packet(0x30, "\x00\x03" "a\x00" "b"s + "x")},
      {"SubscribeFilterIllFormedUtf8", true, packet(0x82, "\x00\x01\x00\x01\xFF\x00"s)},
      {"PublishTopicWithPlus", true, packet(0x30, str("a/+") + "x")},
      {"PublishTopicWithHash", true, packet(0x30, str("a/#") + "x")},
      // "QoS 0 with a packet id" cannot be told apart on the wire (the two bytes
      // read as payload); DUP=1 on QoS 0 [MQTT-3.3.1-2] is the detectable form.
      {"PublishQos0WithDup", true, packet(0x38, str("a/b") + "x"),
       "mosquitto 2.0.11 accepts DUP=1 on a QoS 0 PUBLISH"},
      {"PublishQos3", true, packet(0x36, str("a/b") + "\x00\x01x"s)},
      {"PublishQos1PacketIdZero", true, packet(0x32, str("a/b") + "\x00\x00x"s)},
      {"SubscribeWithoutTopics", true, packet(0x82, "\x00\x01"s)},
      {"SubscribeQos3", true, packet(0x82, "\x00\x01"s + str("a") + '\x03')},
      {"RemainingLengthFiveBytes", true, "\x30\xFF\xFF\xFF\xFF\x7F"s},
      {"SecondConnect", true, connect_bytes("MQTT", 4, 0x02)},
      {"FirstPacketPingreq", false, "\xC0\x00"s},
      {"FirstPacketPublish", false, packet(0x30, str("a/b") + "x")},
      {"FirstPacketSubscribe", false, packet(0x82, "\x00\x01"s + str("a") + '\x00')},
      {"ConnectReservedFlagBit0", false, connect_bytes("MQTT", 4, 0x03)},
      {"ConnectUnknownProtocolName", false, connect_bytes("MQTX", 4, 0x02)},
      {"ConnectWillQos3", false, connect_bytes("MQTT", 4, 0x1E)},
      // Control characters U+0001..001F, U+007F..009F in the strings that
      // name things: "MAY close the Network Connection" (1.5.3), as
      // Mosquitto does; they would end up in logs and dashboards.
      {"PublishTopicWithNewline_MQTT_1_5_3", true, packet(0x30, str("a\nb") + "x")},
      {"PublishTopicWithC1Control_MQTT_1_5_3", true, packet(0x30, str("a\xC2\x85" "b") + "x")},
      {"SubscribeFilterWithEscape_MQTT_1_5_3", true, packet(0x82, "\x00\x01"s + str("a/\x1B[2J") + '\x00')},
      {"UnsubscribeFilterWithDel_MQTT_1_5_3", true, packet(0xA2, "\x00\x01"s + str("a\x7F"))},
      {"ConnectClientIdWithTab_MQTT_1_5_3", false, connect_with(0x02, str("it\tbad"))},
      {"ConnectWillTopicWithNewline_MQTT_1_5_3", false,
       connect_with(0x06, str("it-bad-will") + str("will\n") + str("x"))},
      {"ConnectUsernameWithCarriageReturn_MQTT_1_5_3", false,
       connect_with(0x82, str("it-bad-user") + str("user\r"))},
  };
}

class Malformed : public GatewayTest, public ::testing::WithParamInterface<Case> {};

TEST_P(Malformed, ClosesOnlyTheOffendingConnection) {
  const Case& c = GetParam();
  if (c.skip_under_mosquitto != nullptr) EDGEMQ_SKIP_UNDER_MOSQUITTO(c.skip_under_mosquitto);

  RawClient bystander;
  ASSERT_TRUE(bystander.open_and_connect(port(), "it-bystander"));
  ASSERT_TRUE(bystander.subscribe(topic("ok"), 1));

  RawClient bad;
  ASSERT_TRUE(bad.open(port()));
  if (c.after_connect) {
    mqtt::Connack ack;
    ASSERT_TRUE(bad.connect(make_connect("it-offender"), ack));
    ASSERT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  }
  ASSERT_TRUE(bad.send_bytes(c.bytes));
  std::vector<mqtt::Packet> before;
  ASSERT_TRUE(bad.expect_closed(5s, &before)) << c.name;
  if (!c.after_connect) {
    // Nothing but a possible refusal may precede the close of a connection
    // that never sent a valid CONNECT.
    for (const auto& p : before) {
      const auto* ack = std::get_if<mqtt::Connack>(&p);
      EXPECT_TRUE(ack != nullptr && ack->code != mqtt::ConnackCode::Accepted)
          << "unexpected " << describe(p);
    }
  }

  // The broker still serves the client connected before and a new one.
  RawClient fresh;
  ASSERT_TRUE(fresh.open_and_connect(port(), "it-after"));
  ASSERT_TRUE(fresh.publish(topic("ok"), "still-serving", 1));
  mqtt::Publish got;
  ASSERT_TRUE(bystander.expect(got, 5s));
  EXPECT_EQ(got.payload, "still-serving");
}

INSTANTIATE_TEST_SUITE_P(Bytes, Malformed, ::testing::ValuesIn(cases()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace edgemq::itest
