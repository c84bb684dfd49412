// One test per decoder rule, named after the spec rule it enforces, each
// asserting the exact DecodeError.
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "protocols/mqtt/codec.h"

namespace edgemq::mqtt {
namespace {

using Bytes = std::vector<uint8_t>;
using Status = DecodeResult::Status;

constexpr size_t kNoLimit = 1u << 30;

// A two-byte length prefix and the bytes of `s` [MQTT-1.5.3].
Bytes str(std::string_view s) {
  // Sized up front: GCC 12 at -O2 misreads insert() into a 2-byte vector as
  // an out-of-bounds copy (-Warray-bounds), a known false positive.
  Bytes b(2 + s.size());
  b[0] = static_cast<uint8_t>(s.size() >> 8);
  b[1] = static_cast<uint8_t>(s.size() & 0xFF);
  std::copy(s.begin(), s.end(), b.begin() + 2);
  return b;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Fixed header byte 0, the remaining length of `body`, then `body`.
Bytes packet(uint8_t byte0, const Bytes& body) {
  Bytes out = {byte0};
  size_t n = body.size();
  do {
    uint8_t b = n & 0x7F;
    n >>= 7;
    out.push_back(n ? (b | 0x80) : b);
  } while (n);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

DecodeError error_of(const Bytes& wire, size_t max = kNoLimit) {
  const DecodeResult r = decode(wire, max);
  EXPECT_EQ(r.status, Status::Error) << "status " << static_cast<int>(r.status);
  return r.error;
}

// CONNECT with the given protocol name, level, flags and payload.
Bytes connect(std::string_view name, uint8_t level, uint8_t flags, const Bytes& payload) {
  return packet(0x10, cat({str(name), {level, flags, 0x00, 0x3C}, payload}));
}
Bytes connect_v311(uint8_t flags, const Bytes& payload) {
  return connect("MQTT", 4, flags, payload);
}

// ---- fixed header [MQTT-2.2] ----------------------------------------------------

TEST(Malformed, MQTT_2_2_ReservedPacketType0) {
  EXPECT_EQ(error_of({0x00}), DecodeError::ReservedPacketType);  // known from byte 0 alone
}

TEST(Malformed, MQTT_2_2_ReservedPacketType15) {
  EXPECT_EQ(error_of({0xF0, 0x00}), DecodeError::ReservedPacketType);
}

TEST(Malformed, MQTT_2_2_2_1_ReservedFlagsOnEveryNonPublishType) {
  for (uint8_t type = 1; type <= 14; ++type) {
    if (type == 3) continue;  // PUBLISH flags are DUP/QoS/RETAIN
    const bool needs_0010 = type == 6 || type == 8 || type == 10;
    for (uint8_t flags = 0; flags < 16; ++flags) {
      if (flags == (needs_0010 ? 0x02 : 0x00)) continue;
      SCOPED_TRACE(testing::Message() << "type " << int(type) << " flags " << int(flags));
      EXPECT_EQ(error_of({static_cast<uint8_t>(type << 4 | flags)}), DecodeError::ReservedFlags);
    }
  }
}

TEST(Malformed, MQTT_3_6_1_1_PubrelFlagsMustBe0010) {
  EXPECT_EQ(error_of({0x60, 0x02, 0x00, 0x01}), DecodeError::ReservedFlags);
}

TEST(Malformed, MQTT_3_8_1_1_SubscribeFlagsMustBe0010) {
  EXPECT_EQ(error_of(packet(0x80, cat({{0x00, 0x01}, str("a"), {0x00}}))),
            DecodeError::ReservedFlags);
}

TEST(Malformed, MQTT_3_10_1_1_UnsubscribeFlagsMustBe0010) {
  EXPECT_EQ(error_of(packet(0xA0, cat({{0x00, 0x01}, str("a")}))), DecodeError::ReservedFlags);
}

TEST(Malformed, MQTT_3_3_1_4_PublishQos3) {
  EXPECT_EQ(error_of({0x36}), DecodeError::InvalidQos);
  EXPECT_EQ(error_of({0x3F}), DecodeError::InvalidQos);
}

TEST(Malformed, MQTT_3_3_1_2_DupWithQos0) {
  EXPECT_EQ(error_of({0x38}), DecodeError::ReservedFlags);
}

TEST(Malformed, MQTT_2_2_3_RemainingLengthFifthByte) {
  EXPECT_EQ(error_of({0x30, 0xFF, 0xFF, 0xFF, 0xFF}), DecodeError::RemainingLengthTooLong);
  EXPECT_EQ(error_of({0x30, 0x80, 0x80, 0x80, 0x80, 0x01}), DecodeError::RemainingLengthTooLong);
}

TEST(Malformed, MQTT_2_2_3_FourLengthBytesStillNeedMore) {
  const DecodeResult r = decode(Bytes{0x30, 0xFF, 0xFF, 0xFF}, kNoLimit);
  EXPECT_EQ(r.status, Status::NeedMore);
  EXPECT_EQ(r.needed, 0u);
}

TEST(Malformed, PacketTooLargeAsSoonAsLengthIsKnown) {
  // Only the fixed header has arrived; 3 + 16383 > 1000.
  EXPECT_EQ(error_of({0x30, 0xFF, 0x7F}, 1000), DecodeError::PacketTooLarge);
}

TEST(Malformed, FixedShapeTrailingBytesKnownFromHeader) {
  EXPECT_EQ(error_of({0x40, 0x03}), DecodeError::TrailingBytes);  // PUBACK, body not yet here
  EXPECT_EQ(error_of({0xC0, 0x01}), DecodeError::TrailingBytes);  // PINGREQ
  EXPECT_EQ(error_of({0xE0, 0x01, 0x00}), DecodeError::TrailingBytes);  // DISCONNECT
  EXPECT_EQ(error_of({0x20, 0x03, 0x00, 0x00, 0x00}), DecodeError::TrailingBytes);  // CONNACK
}

TEST(Malformed, FixedShapeTruncatedKnownFromHeader) {
  EXPECT_EQ(error_of({0x40, 0x01, 0x00}), DecodeError::Truncated);  // PUBACK
  EXPECT_EQ(error_of({0xB0, 0x00}), DecodeError::Truncated);        // UNSUBACK
  EXPECT_EQ(error_of({0x20, 0x01, 0x00}), DecodeError::Truncated);  // CONNACK
}

// ---- CONNECT [MQTT-3.1] -----------------------------------------------------------

TEST(Malformed, MQTT_3_1_2_1_BadProtocolName) {
  EXPECT_EQ(error_of(connect("MQTX", 4, 0x02, str("c"))), DecodeError::BadProtocolName);
  EXPECT_EQ(error_of(connect("mqtt", 4, 0x02, str("c"))), DecodeError::BadProtocolName);
  EXPECT_EQ(error_of(connect("", 4, 0x02, str("c"))), DecodeError::BadProtocolName);
}

TEST(Malformed, MQTT_3_1_2_2_UnsupportedProtocolLevel) {
  EXPECT_EQ(error_of(connect("MQTT", 3, 0x02, str("c"))), DecodeError::UnsupportedProtocolLevel);
  EXPECT_EQ(error_of(connect("MQTT", 6, 0x02, str("c"))), DecodeError::UnsupportedProtocolLevel);
  EXPECT_EQ(error_of(connect("MQIsdp", 4, 0x02, str("c"))),
            DecodeError::UnsupportedProtocolLevel);
}

TEST(Malformed, MQTT_3_1_2_3_ReservedConnectFlag) {
  EXPECT_EQ(error_of(connect_v311(0x03, str("c"))), DecodeError::ReservedConnectFlag);
}

TEST(Malformed, MQTT_3_1_2_13_WillQosWithoutWillFlag) {
  EXPECT_EQ(error_of(connect_v311(0x0A, str("c"))), DecodeError::BadWillFlags);
}

TEST(Malformed, MQTT_3_1_2_15_WillRetainWithoutWillFlag) {
  EXPECT_EQ(error_of(connect_v311(0x22, str("c"))), DecodeError::BadWillFlags);
}

TEST(Malformed, MQTT_3_1_2_14_WillQos3) {
  EXPECT_EQ(error_of(connect_v311(0x1E, cat({str("c"), str("t"), str("m")}))),
            DecodeError::BadWillFlags);
}

TEST(Malformed, MQTT_3_1_2_22_PasswordWithoutUsername) {
  EXPECT_EQ(error_of(connect_v311(0x42, cat({str("c"), str("pw")}))),
            DecodeError::BadUsernamePasswordFlags);
}

TEST(Malformed, MQTT_3_1_3_4_ClientIdMalformedUtf8) {
  EXPECT_EQ(error_of(connect_v311(0x02, str("\xC0\x80"))), DecodeError::MalformedUtf8);
}

TEST(Malformed, MQTT_3_1_3_10_WillTopicMalformedUtf8) {
  EXPECT_EQ(error_of(connect_v311(0x06, cat({str("c"), str("\xED\xA0\x80"), str("m")}))),
            DecodeError::MalformedUtf8);
}

TEST(Malformed, MQTT_3_3_2_2_WillTopicWithWildcard) {
  EXPECT_EQ(error_of(connect_v311(0x06, cat({str("c"), str("a/#"), str("m")}))),
            DecodeError::InvalidTopicName);
  EXPECT_EQ(error_of(connect_v311(0x06, cat({str("c"), str(""), str("m")}))),
            DecodeError::InvalidTopicName);
}

TEST(Malformed, MQTT_3_1_3_11_UsernameMalformedUtf8) {
  EXPECT_EQ(error_of(connect_v311(0x82, cat({str("c"), str(std::string_view("u\0", 2))}))),
            DecodeError::MalformedUtf8);
}

TEST(Malformed, PasswordAndWillPayloadAreBinary) {
  const Bytes will = cat({str("t"), str("\xC0\x80")});  // payload is not UTF-8
  const Bytes wire = connect_v311(
      0xC6, cat({str("c"), will, str("u"), str(std::string_view("\0\xFF", 2))}));
  EXPECT_EQ(decode(wire, kNoLimit).status, Status::Packet);
}

TEST(Malformed, ConnectFieldRunsPastRemainingLength) {
  // Client id claims 5 bytes; only 1 is inside the packet.
  EXPECT_EQ(error_of(connect_v311(0x02, {0x00, 0x05, 'c'})), DecodeError::Truncated);
  // Will flag set but no will topic/message [MQTT-3.1.2-9].
  EXPECT_EQ(error_of(connect_v311(0x06, str("c"))), DecodeError::Truncated);
  // Username flag set but no username [MQTT-3.1.2-19].
  EXPECT_EQ(error_of(connect_v311(0x82, str("c"))), DecodeError::Truncated);
  // Protocol name cut short.
  EXPECT_EQ(error_of(packet(0x10, {0x00, 0x04, 'M', 'Q'})), DecodeError::Truncated);
}

TEST(Malformed, ConnectTrailingBytes) {
  EXPECT_EQ(error_of(connect_v311(0x02, cat({str("c"), {0x00}}))), DecodeError::TrailingBytes);
}

// ---- UTF-8 [MQTT-1.5.3] -------------------------------------------------------------

TEST(Malformed, MQTT_1_5_3_1_IllFormedUtf8InPublishTopic) {
  const std::string_view bad[] = {
      "\xC0\xAF",          // overlong '/'
      "\xE0\x80\xAF",      // overlong, 3 bytes
      "\xED\xA0\x80",      // surrogate U+D800
      "\xED\xBF\xBF",      // surrogate U+DFFF
      "\xF4\x90\x80\x80",  // U+110000
      "\xF5\x80\x80\x80",  // lead byte never valid
      "\x80",              // lone continuation
      "a\xE2\x82",         // cut-off sequence
  };
  for (std::string_view s : bad) {
    SCOPED_TRACE(testing::PrintToString(std::string(s)));
    EXPECT_EQ(error_of(packet(0x30, str(s))), DecodeError::MalformedUtf8);
  }
}

TEST(Malformed, MQTT_1_5_3_2_NullCharacter) {
  EXPECT_EQ(error_of(packet(0x30, str(std::string_view("a\0b", 3)))), DecodeError::MalformedUtf8);
}

// ---- PUBLISH [MQTT-3.3] ----------------------------------------------------------

TEST(Malformed, MQTT_4_7_3_1_EmptyPublishTopic) {
  EXPECT_EQ(error_of(packet(0x30, str(""))), DecodeError::InvalidTopicName);
}

TEST(Malformed, MQTT_3_3_2_2_WildcardInPublishTopic) {
  EXPECT_EQ(error_of(packet(0x30, str("a/+"))), DecodeError::InvalidTopicName);
  EXPECT_EQ(error_of(packet(0x30, str("#"))), DecodeError::InvalidTopicName);
}

TEST(Malformed, PublishTopicRunsPastRemainingLength) {
  EXPECT_EQ(error_of(packet(0x30, {0x00, 0x09, 'a'})), DecodeError::Truncated);
  EXPECT_EQ(error_of(packet(0x32, str("a"))), DecodeError::Truncated);  // QoS 1, no packet id
}

// ---- packet identifiers [MQTT-2.3.1-1] ------------------------------------------------

TEST(Malformed, MQTT_2_3_1_1_ZeroPacketId) {
  const Bytes cases[] = {
      packet(0x32, cat({str("a"), {0x00, 0x00}})),            // PUBLISH QoS 1
      packet(0x34, cat({str("a"), {0x00, 0x00}})),            // PUBLISH QoS 2
      {0x40, 0x02, 0x00, 0x00},                               // PUBACK
      {0x50, 0x02, 0x00, 0x00},                               // PUBREC
      {0x62, 0x02, 0x00, 0x00},                               // PUBREL
      {0x70, 0x02, 0x00, 0x00},                               // PUBCOMP
      packet(0x82, cat({{0x00, 0x00}, str("a"), {0x00}})),    // SUBSCRIBE
      {0x90, 0x03, 0x00, 0x00, 0x00},                         // SUBACK
      packet(0xA2, cat({{0x00, 0x00}, str("a")})),            // UNSUBSCRIBE
      {0xB0, 0x02, 0x00, 0x00},                               // UNSUBACK
  };
  for (const Bytes& wire : cases) {
    SCOPED_TRACE(testing::Message() << "byte 0 = " << int(wire[0]));
    EXPECT_EQ(error_of(wire), DecodeError::ZeroPacketId);
  }
}

// ---- SUBSCRIBE / SUBACK / UNSUBSCRIBE -----------------------------------------------------

TEST(Malformed, MQTT_3_8_3_3_SubscribeWithoutFilters) {
  EXPECT_EQ(error_of(packet(0x82, {0x00, 0x01})), DecodeError::EmptySubscribe);
}

TEST(Malformed, MQTT_3_10_3_2_UnsubscribeWithoutFilters) {
  EXPECT_EQ(error_of(packet(0xA2, {0x00, 0x01})), DecodeError::EmptySubscribe);
}

TEST(Malformed, MQTT_4_7_1_2_MisplacedMultiLevelWildcard) {
  EXPECT_EQ(error_of(packet(0x82, cat({{0x00, 0x01}, str("a/#/b"), {0x00}}))),
            DecodeError::InvalidTopicFilter);
  EXPECT_EQ(error_of(packet(0xA2, cat({{0x00, 0x01}, str("a/b#")}))),
            DecodeError::InvalidTopicFilter);
}

TEST(Malformed, MQTT_4_7_1_3_SingleLevelWildcardNotAlone) {
  EXPECT_EQ(error_of(packet(0x82, cat({{0x00, 0x01}, str("a+/b"), {0x00}}))),
            DecodeError::InvalidTopicFilter);
  EXPECT_EQ(error_of(packet(0xA2, cat({{0x00, 0x01}, str("a"), str("+a")}))),
            DecodeError::InvalidTopicFilter);
}

TEST(Malformed, MQTT_4_7_3_1_EmptyFilter) {
  EXPECT_EQ(error_of(packet(0x82, cat({{0x00, 0x01}, str(""), {0x00}}))),
            DecodeError::InvalidTopicFilter);
  EXPECT_EQ(error_of(packet(0xA2, cat({{0x00, 0x01}, str("")}))), DecodeError::InvalidTopicFilter);
}

TEST(Malformed, MQTT_3_8_3_1_FilterMalformedUtf8) {
  EXPECT_EQ(error_of(packet(0x82, cat({{0x00, 0x01}, str("a/\xFF"), {0x00}}))),
            DecodeError::MalformedUtf8);
  EXPECT_EQ(error_of(packet(0xA2, cat({{0x00, 0x01}, str("\xC1\xBF")}))),
            DecodeError::MalformedUtf8);
}

TEST(Malformed, MQTT_3_8_3_4_ReservedSubscribeBits) {
  EXPECT_EQ(error_of(packet(0x82, cat({{0x00, 0x01}, str("a"), {0x04}}))),
            DecodeError::ReservedSubscribeBits);
  EXPECT_EQ(error_of(packet(0x82, cat({{0x00, 0x01}, str("a"), {0x81}}))),
            DecodeError::ReservedSubscribeBits);
}

TEST(Malformed, MQTT_3_8_3_4_SubscribeQos3) {
  EXPECT_EQ(error_of(packet(0x82, cat({{0x00, 0x01}, str("a"), {0x03}}))), DecodeError::InvalidQos);
}

TEST(Malformed, SubscribeMissingQosByte) {
  EXPECT_EQ(error_of(packet(0x82, cat({{0x00, 0x01}, str("a"), {0x01}, str("b")}))),
            DecodeError::Truncated);
}

TEST(Malformed, MQTT_3_9_3_2_ReservedSubackReturnCode) {
  EXPECT_EQ(error_of({0x90, 0x03, 0x00, 0x01, 0x03}), DecodeError::InvalidQos);
  EXPECT_EQ(error_of({0x90, 0x03, 0x00, 0x01, 0x81}), DecodeError::InvalidQos);
}

TEST(Malformed, SubackWithoutReturnCodes) {
  EXPECT_EQ(error_of({0x90, 0x02, 0x00, 0x01}), DecodeError::Truncated);
}

// ---- CONNACK [MQTT-3.2] ----------------------------------------------------------------

TEST(Malformed, MQTT_3_2_2_1_ReservedConnackFlags) {
  EXPECT_EQ(error_of({0x20, 0x02, 0x02, 0x00}), DecodeError::BadConnackFlags);
  EXPECT_EQ(error_of({0x20, 0x02, 0x80, 0x00}), DecodeError::BadConnackFlags);
}

}  // namespace
}  // namespace edgemq::mqtt
