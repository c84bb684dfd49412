// Malformed 5.0 packets after an accepted CONNECT, as annotated bytes: the
// gateway says why with a DISCONNECT (reason code and a reason string),
// then closes [MQTT-4.13.1-1]; other connections are not affected.
#include <string>

#include "tests/integration/v5_support.h"
#include "tests/integration/wire_bytes.h"

namespace edgemq::itest {
namespace {

// Packet id 1 and an empty property block: how SUBSCRIBE and UNSUBSCRIBE
// start in 5.0 [3.8.2, 3.10.2].
const std::string kIdNoProps("\x00\x01\x00", 3);

struct Case {
  const char* name;
  std::string bytes;
  uint8_t reason;
  const char* reason_string;  // a part of it (mosquitto 2.0.11 sends none)
  const char* skip_under_mosquitto = nullptr;  // why mosquitto behaves differently
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> cases() {
  using namespace std::string_literals;
  const uint8_t malformed = reason::kMalformedPacket;
  return {
      // A topic filter is at least one character [MQTT-4.7.3-1]; an empty
      // string is not one, so the packet is malformed (not 0x8F, which is
      // for a "correctly formed" filter the server refuses, 3.14.2.1).
      {"SubscribeEmptyFilter_MQTT_4_7_3_1", packet(0x82, kIdNoProps + str("") + '\x00'), malformed,
       "invalid topic filter"},
      {"UnsubscribeEmptyFilter_MQTT_4_7_3_1", packet(0xA2, kIdNoProps + str("")), malformed,
       "invalid topic filter"},
      {"SubscribeMisplacedHash_MQTT_4_7_1_1", packet(0x82, kIdNoProps + str("a/#/b") + '\x00'), malformed,
       "invalid topic filter"},
      {"UnsubscribePlusNotAlone_MQTT_4_7_1_2", packet(0xA2, kIdNoProps + str("a+")), malformed,
       "invalid topic filter"},
      {"SubscribeShareWithoutFilter_MQTT_4_8_2_2", packet(0x82, kIdNoProps + str("$share/g") + '\x00'),
       malformed, "invalid topic filter", "mosquitto 2.0.11 grants \"$share/g\" as an ordinary filter"},
      // A control character in a topic or filter: a receiver "MAY treat it
      // as a Malformed Packet" (1.5.4).
      {"PublishTopicWithNewline_MQTT_1_5_4", packet(0x30, str("a\nb") + '\x00' + "x"), malformed,
       "control character"},
      {"SubscribeFilterWithC1Control_MQTT_1_5_4", packet(0x82, kIdNoProps + str("a/\xC2\x9B" "b") + '\x00'),
       malformed, "control character"},
  };
}

class V5Malformed : public V5Gateway, public ::testing::WithParamInterface<Case> {};

TEST_P(V5Malformed, DisconnectWithReasonThenClose) {
  const Case& c = GetParam();
  if (c.skip_under_mosquitto != nullptr) EDGEMQ_SKIP_UNDER_MOSQUITTO(c.skip_under_mosquitto);
  RawClient bystander, bad;
  ASSERT_NO_FATAL_FAILURE(connect_v5(bystander, "it-v5m-bystander"));
  ASSERT_TRUE(bystander.subscribe(topic("ok"), 1));
  ASSERT_NO_FATAL_FAILURE(connect_v5(bad, "it-v5m-offender"));
  ASSERT_TRUE(bad.send_bytes(c.bytes));
  mqtt::Disconnect d;
  std::vector<mqtt::Packet> before;
  ASSERT_TRUE(bad.expect_disconnect(c.reason, 5s, d, &before));
  for (const auto& p : before) ADD_FAILURE() << "unexpected " << describe(p);
  if (!under_mosquitto()) {
    ASSERT_TRUE(d.props->reason_string);
    EXPECT_NE(d.props->reason_string->find(c.reason_string), std::string::npos) << *d.props->reason_string;
  }

  RawClient pub;
  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-v5m-after"));
  ASSERT_TRUE(pub.publish(make_publish(topic("ok"), "still-serving", 1), nullptr));
  mqtt::Publish got;
  ASSERT_TRUE(bystander.expect(got, 5s));
  EXPECT_EQ(got.payload, "still-serving");
}

INSTANTIATE_TEST_SUITE_P(Bytes, V5Malformed, ::testing::ValuesIn(cases()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace edgemq::itest
