// Control characters U+0001..U+001F and U+007F..U+009F in the strings that
// name things: a string "SHOULD NOT" hold them and a receiver "MAY treat it
// as a Malformed Packet" (5.0 1.5.4; 3.1.1 1.5.3: "MAY close"). The decoder
// refuses them in client ids, user names, will topics, topics and filters,
// which end up in logs, dashboards and JSON; passwords, payloads and 5.0
// properties are the application's and pass as they are.
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "protocols/mqtt/topic.h"
#include "tests/unit/mqtt/wire_helpers.h"

namespace edgemq::mqtt {
namespace {

using namespace test;  // NOLINT: wire-building helpers

// One of each kind: the ends of both ranges, and C1 controls as the two
// bytes C2 80..C2 9F they are in UTF-8.
constexpr std::string_view kControls[] = {
    "\x01", "\t", "\n", "\r", "\x1B", "\x1F", "\x7F", "\xC2\x80", "\xC2\x85", "\xC2\x9F",
};

// Neighbours that stay allowed: space, '~', U+00A0 (C2 A0), U+00C0,
// U+FEFF (kept, [MQTT-1.5.4-3]), U+FFFF (a non-character, not a control).
constexpr std::string_view kAllowed[] = {
    " ", "~", "\xC2\xA0", "\xC3\x80", "\xEF\xBB\xBF", "\xEF\xBF\xBF", "\xF0\x9F\x8C\xA1",
};

std::string around(std::string_view c) { return "a" + std::string(c) + "b"; }

TEST(ControlCharacters, NamesRefuseThemAndKeepTheirNeighbours_MQTT_1_5_4) {
  for (std::string_view c : kControls) {
    SCOPED_TRACE(around(c));
    EXPECT_FALSE(valid_name_utf8(around(c)));
    EXPECT_TRUE(valid_utf8(around(c))) << "a string in general may hold them";
  }
  for (std::string_view c : kAllowed) {
    SCOPED_TRACE(around(c));
    EXPECT_TRUE(valid_name_utf8(around(c)));
  }
  EXPECT_FALSE(valid_name_utf8(std::string_view("a\0b", 3))) << "U+0000 as everywhere [MQTT-1.5.4-2]";
  EXPECT_FALSE(valid_name_utf8("\xC0\x81")) << "an overlong U+0001 is ill-formed first";
  EXPECT_FALSE(valid_name_utf8("\xC2")) << "cut short";
}

Bytes connect_311(uint8_t flags, const Bytes& payload) {
  return packet(0x10, cat({str("MQTT"), {0x04, flags, 0x00, 0x3C}, payload}));
}

TEST(ControlCharacters, InEachNamingFieldOf311_MQTT_1_5_3) {
  for (std::string_view c : kControls) {
    const std::string bad = around(c);
    SCOPED_TRACE(bad);
    EXPECT_EQ(error_of(connect_311(0x02, str(bad)), kV311), DecodeError::ControlCharacter) << "client id";
    EXPECT_EQ(error_of(connect_311(0x06, cat({str("c"), str(bad), str("x")})), kV311),
              DecodeError::ControlCharacter) << "will topic";
    EXPECT_EQ(error_of(connect_311(0xC2, cat({str("c"), str(bad), str("p")})), kV311),
              DecodeError::ControlCharacter) << "user name";
    EXPECT_EQ(error_of(packet(0x30, cat({str(bad), str("x")})), kV311), DecodeError::ControlCharacter)
        << "PUBLISH topic";
    EXPECT_EQ(error_of(packet(0x82, cat({{0x00, 0x01}, str(bad), {0x00}})), kV311),
              DecodeError::ControlCharacter) << "SUBSCRIBE filter";
    EXPECT_EQ(error_of(packet(0xA2, cat({{0x00, 0x01}, str(bad)})), kV311), DecodeError::ControlCharacter)
        << "UNSUBSCRIBE filter";
  }
}

// Binary data and payloads are not strings [MQTT-1.5.6]; they pass as sent.
TEST(ControlCharacters, PasswordWillPayloadAndPayloadAreLeftAlone) {
  const std::string binary = "\x01\n\x7F\xC2\x85";
  const auto c = decode_as<Connect>(connect_311(0xC6, cat({str("c"), str("w"), str(binary), str("u"),
                                                           str(binary)})),
                                    kV311);
  EXPECT_EQ(c.password, binary);
  ASSERT_TRUE(c.will);
  EXPECT_EQ(c.will->payload, binary);
  const auto p = decode_as<Publish>(packet(0x30, cat({str("t"), Bytes(binary.begin(), binary.end())})), kV311);
  EXPECT_EQ(p.payload, binary);
}

TEST(ControlCharacters, In5AreAMalformedPacket_MQTT_1_5_4) {
  EXPECT_EQ(error_of(packet(0x30, cat({str("a\nb"), {0x00}})), kV5), DecodeError::ControlCharacter);
  EXPECT_EQ(reason_for(DecodeError::ControlCharacter), reason::kMalformedPacket);
}

// 5.0 string properties travel to subscribers unread (content type, response
// topic, user properties): an application may put a newline in a user
// property's value. They keep the rules every string has.
TEST(ControlCharacters, FiveStringPropertiesAreLeftAlone) {
  const Bytes user_property = cat({{0x26}, str("note"), str("line 1\nline 2\t\x7F")});
  const Bytes content_type = cat({{0x03}, str("text/plain;\tcharset=utf-8")});
  const auto p = decode_as<Publish>(packet(0x30, cat({str("t"), props(cat({content_type, user_property}))})), kV5);
  ASSERT_EQ(p.props->user_properties.size(), 1u);
  EXPECT_EQ(p.props->user_properties[0].second, "line 1\nline 2\t\x7F");
  EXPECT_EQ(p.props->content_type, "text/plain;\tcharset=utf-8");
}

// Ill-formed UTF-8 is still told apart from a control character.
TEST(ControlCharacters, IllFormedUtf8KeepsItsOwnError_MQTT_1_5_4_1) {
  EXPECT_EQ(error_of(packet(0x30, cat({str("\n\xC0\xAF"), str("x")})), kV311), DecodeError::MalformedUtf8);
  EXPECT_EQ(error_of(packet(0x30, cat({str(std::string_view("\n\0", 2)), str("x")})), kV311),
            DecodeError::MalformedUtf8);
}

}  // namespace
}  // namespace edgemq::mqtt
