// What the control-character rule leaves alone, on the wire: the gateway
// refuses U+0001..001F and U+007F..009F in client ids, user names, topics
// and filters (malformed_test.cpp, v5_malformed_test.cpp), but passwords,
// payloads and 5.0 string properties are the application's and arrive as
// they were sent (docs/architecture.md, "Control characters").
#include <string>

#include "tests/integration/v5_support.h"

namespace edgemq::itest {
namespace {

using ControlCharacters = V5Gateway;

const std::string kControls("\x01\t\n\r\x1B\x7F\xC2\x85", 9);

TEST_F(ControlCharacters, PayloadAndPropertiesPassThrough_MQTT_1_5_4) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("mosquitto 2.0.11 refuses control characters in string properties too");
  RawClient sub, pub;
  ASSERT_NO_FATAL_FAILURE(connect_v5(sub, "it-cc-sub"));
  mqtt::Suback granted;
  ASSERT_TRUE(sub.subscribe(make_subscribe(topic("t"), 1), granted));
  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-cc-pub"));
  mqtt::Properties props;
  props.content_type = "text/plain;\tcharset=utf-8";
  props.user_properties = {{"note", "line 1\nline 2"}};
  uint8_t rc = 0xFF;
  ASSERT_TRUE(pub.publish(make_publish(topic("t"), kControls, 1, 1, props), &rc));
  EXPECT_EQ(rc, reason::kSuccess);
  mqtt::Publish got;
  ASSERT_TRUE(receive(sub, got));
  EXPECT_EQ(got.payload, kControls);
  EXPECT_EQ(got.props->content_type, "text/plain;\tcharset=utf-8");
  ASSERT_EQ(got.props->user_properties.size(), 1u);
  EXPECT_EQ(got.props->user_properties[0].second, "line 1\nline 2");
}

// A password is binary data [MQTT-1.5.6], not a string.
TEST_F(ControlCharacters, PasswordIsBinary_MQTT_1_5_6) {
  RawClient c;
  ASSERT_TRUE(c.open(port()));
  mqtt::Connect connect = make_connect("it-cc-password");
  connect.username = "user";
  connect.password = kControls;
  mqtt::Connack ack;
  ASSERT_TRUE(c.connect(connect, ack));
  EXPECT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  EXPECT_TRUE(c.ping());
}

}  // namespace
}  // namespace edgemq::itest
