// One test per 5.0 decoder rule, named after the spec rule it enforces, each
// asserting the exact DecodeError and the reason code a 5.0 peer is told.
// Property rules by identifier and packet are in properties_test.cpp.
#include <cstdint>
#include <string_view>

#include <gtest/gtest.h>

#include "protocols/mqtt/codec.h"
#include "tests/unit/mqtt/wire_helpers.h"

namespace edgemq::mqtt {
namespace {

using namespace test;  // NOLINT: wire-building helpers

// The error decoding `wire` on a 5.0 connection, and its reason code.
void expect_v5_error(const Bytes& wire, DecodeError error, uint8_t reason_code) {
  EXPECT_EQ(error_of(wire, kV5), error) << describe(error_of(wire, kV5));
  EXPECT_EQ(reason_for(error), reason_code);
}

Bytes connect_v5(uint8_t flags, const Bytes& properties, const Bytes& payload) {
  return packet(0x10, cat({str("MQTT"), {0x05, flags, 0x00, 0x00}, properties, payload}));
}

Bytes publish_v5(uint8_t byte0, std::string_view topic, const Bytes& properties,
                 const Bytes& payload) {
  return packet(byte0, cat({str(topic), properties, payload}));
}

Bytes subscribe_v5(std::string_view filter, uint8_t options) {
  return packet(0x82, cat({{0x00, 0x01, 0x00}, str(filter), {options}}));
}

// ---- properties [MQTT-2.2.2] ----------------------------------------------------

TEST(MalformedV5, MQTT_2_2_2_2_UnknownPropertyId) {
  for (uint8_t id : {0x00, 0x04, 0x0A, 0x10, 0x14, 0x1B, 0x20, 0x2B, 0x7F}) {
    SCOPED_TRACE(int(id));
    expect_v5_error(publish_v5(0x30, "t", props({id, 0x01}), {}), DecodeError::MalformedProperty,
                    reason::kMalformedPacket);
  }
}

TEST(MalformedV5, MQTT_2_2_2_2_MultiByteIdentifierIsUnknown) {
  // Identifiers are Variable Byte Integers; none defined needs two bytes.
  expect_v5_error(publish_v5(0x30, "t", props({0x81, 0x00, 0x01}), {}),
                  DecodeError::MalformedProperty, reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_2_2_2_2_PropertyNotAllowedInPacket) {
  // Topic alias is a PUBLISH property, not a CONNECT one.
  expect_v5_error(connect_v5(0x02, props({0x23, 0x00, 0x01}), str("c")),
                  DecodeError::MalformedProperty, reason::kMalformedPacket);
  // Will delay belongs to the will properties, not to CONNECT's own.
  expect_v5_error(connect_v5(0x02, props({0x18, 0x00, 0x00, 0x00, 0x01}), str("c")),
                  DecodeError::MalformedProperty, reason::kMalformedPacket);
}

TEST(MalformedV5, PropertyLengthRunsPastPacket) {
  // A length field inside the body that overruns it, as for strings.
  expect_v5_error(publish_v5(0x30, "t", {0x05, 0x01}, {}), DecodeError::Truncated,
                  reason::kMalformedPacket);
  // The property length itself cut off after "more follows".
  expect_v5_error(publish_v5(0x30, "t", {0x80}, {}), DecodeError::Truncated,
                  reason::kMalformedPacket);
}

TEST(MalformedV5, PropertyValueRunsPastPropertyLength) {
  // Receive maximum needs two bytes; the property length leaves it one.
  expect_v5_error(connect_v5(0x02, {0x02, 0x21, 0x00}, cat({{0x05}, str("c")})),
                  DecodeError::MalformedProperty, reason::kMalformedPacket);
  // A string whose length overruns the block though not the packet.
  expect_v5_error(publish_v5(0x30, "t", {0x03, 0x03, 0x00, 0x04}, {'a', 'b', 'c', 'd'}),
                  DecodeError::MalformedProperty, reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_1_5_5_PropertyLengthWithFifthByte) {
  expect_v5_error(publish_v5(0x30, "t", {0x80, 0x80, 0x80, 0x80, 0x01}, {}),
                  DecodeError::MalformedProperty, reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_1_5_5_SubscriptionIdentifierWithFifthByte) {
  expect_v5_error(publish_v5(0x30, "t", props({0x0B, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}), {}),
                  DecodeError::MalformedProperty, reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_1_5_4_1_PropertyStringMalformedUtf8) {
  expect_v5_error(publish_v5(0x30, "t", props(cat({{0x03}, str("\xC0\x80")})), {}),
                  DecodeError::MalformedUtf8, reason::kMalformedPacket);
  // Both halves of a user property are strings [MQTT-1.5.7-1].
  expect_v5_error(publish_v5(0x30, "t", props(cat({{0x26}, str("k"), str({"a\0", 2})})), {}),
                  DecodeError::MalformedUtf8, reason::kMalformedPacket);
}

TEST(MalformedV5, DuplicateProperty) {
  expect_v5_error(publish_v5(0x30, "t", props({0x01, 0x00, 0x01, 0x00}), {}),
                  DecodeError::DuplicateProperty, reason::kProtocolError);
}

TEST(MalformedV5, SubscriptionIdentifierTwiceInSubscribe) {
  // [3.8.2.1.2]; a PUBLISH may carry several (codec_v5_test.cpp).
  expect_v5_error(packet(0x82, cat({{0x00, 0x01}, props({0x0B, 0x01, 0x0B, 0x02}), str("a"),
                                    {0x00}})),
                  DecodeError::DuplicateProperty, reason::kProtocolError);
}

TEST(MalformedV5, UserPropertyMayRepeat) {
  const Bytes user = cat({{0x26}, str("k"), str("v")});
  const Bytes wire = publish_v5(0x30, "t", props(cat({user, user})), {});
  EXPECT_EQ(decode_as<Publish>(wire, kV5).props->user_properties.size(), 2u);
}

// ---- property values ----------------------------------------------------------------

TEST(MalformedV5, MQTT_3_3_2_3_2_PayloadFormatNot0Or1) {
  expect_v5_error(publish_v5(0x30, "t", props({0x01, 0x02}), {}), DecodeError::PropertyValue,
                  reason::kProtocolError);
}

TEST(MalformedV5, MQTT_3_1_2_11_RequestInformationNot0Or1) {
  expect_v5_error(connect_v5(0x02, props({0x17, 0x02}), str("c")), DecodeError::PropertyValue,
                  reason::kProtocolError);  // request problem information
  expect_v5_error(connect_v5(0x02, props({0x19, 0x02}), str("c")), DecodeError::PropertyValue,
                  reason::kProtocolError);  // request response information
}

TEST(MalformedV5, MQTT_3_1_2_11_3_ReceiveMaximumZero) {
  expect_v5_error(connect_v5(0x02, props({0x21, 0x00, 0x00}), str("c")),
                  DecodeError::PropertyValue, reason::kProtocolError);
  expect_v5_error(packet(0x20, cat({{0x00, 0x00}, props({0x21, 0x00, 0x00})})),
                  DecodeError::PropertyValue, reason::kProtocolError);
}

TEST(MalformedV5, MQTT_3_1_2_11_4_MaximumPacketSizeZero) {
  expect_v5_error(connect_v5(0x02, props({0x27, 0x00, 0x00, 0x00, 0x00}), str("c")),
                  DecodeError::PropertyValue, reason::kProtocolError);
}

TEST(MalformedV5, MQTT_3_2_2_3_ServerCapabilitiesNot0Or1) {
  // Maximum QoS, retain / wildcard / subscription id / shared available.
  for (uint8_t id : {0x24, 0x25, 0x28, 0x29, 0x2A}) {
    SCOPED_TRACE(int(id));
    expect_v5_error(packet(0x20, cat({{0x00, 0x00}, props({id, 0x02})})),
                    DecodeError::PropertyValue, reason::kProtocolError);
  }
}

TEST(MalformedV5, MQTT_3_8_2_1_2_SubscriptionIdentifierZero) {
  expect_v5_error(packet(0x82, cat({{0x00, 0x01}, props({0x0B, 0x00}), str("a"), {0x00}})),
                  DecodeError::PropertyValue, reason::kProtocolError);
  expect_v5_error(publish_v5(0x30, "t", props({0x0B, 0x00}), {}), DecodeError::PropertyValue,
                  reason::kProtocolError);
  // Zero in a non-minimal form is still zero.
  expect_v5_error(publish_v5(0x30, "t", props({0x0B, 0x80, 0x00}), {}),
                  DecodeError::PropertyValue, reason::kProtocolError);
}

TEST(MalformedV5, MQTT_3_3_2_8_TopicAliasZero) {
  expect_v5_error(publish_v5(0x30, "t", props({0x23, 0x00, 0x00}), {}),
                  DecodeError::PropertyValue, reason::kProtocolError);
}

TEST(MalformedV5, MQTT_3_3_2_14_ResponseTopicWithWildcard) {
  expect_v5_error(publish_v5(0x30, "t", props(cat({{0x08}, str("r/#")})), {}),
                  DecodeError::PropertyValue, reason::kProtocolError);
  expect_v5_error(publish_v5(0x30, "t", props(cat({{0x08}, str("")})), {}),
                  DecodeError::PropertyValue, reason::kProtocolError);
}

TEST(MalformedV5, MQTT_3_1_2_11_10_AuthenticationDataWithoutMethod) {
  expect_v5_error(connect_v5(0x02, props(cat({{0x16}, str("d")})), str("c")),
                  DecodeError::PropertyValue, reason::kProtocolError);
}

// ---- CONNECT [MQTT-3.1] ----------------------------------------------------------------

TEST(MalformedV5, MQTT_3_1_2_2_UnsupportedLevels) {
  const Bytes tail = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 'c'};
  expect_v5_error(packet(0x10, cat({str("MQTT"), {0x06}, tail})),
                  DecodeError::UnsupportedProtocolLevel, reason::kUnsupportedProtocolVersion);
  expect_v5_error(packet(0x10, cat({str("MQIsdp"), {0x05}, tail})),
                  DecodeError::UnsupportedProtocolLevel, reason::kUnsupportedProtocolVersion);
}

TEST(MalformedV5, MQTT_3_1_2_1_BadProtocolName) {
  expect_v5_error(packet(0x10, cat({str("MQTT5"), {0x05, 0x02, 0x00, 0x00, 0x00}, str("c")})),
                  DecodeError::BadProtocolName, reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_3_1_2_3_ReservedConnectFlag) {
  expect_v5_error(connect_v5(0x03, {0x00}, str("c")), DecodeError::ReservedConnectFlag,
                  reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_3_1_2_12_WillQos3) {
  expect_v5_error(connect_v5(0x1E, {0x00}, cat({str("c"), {0x00}, str("t"), str("m")})),
                  DecodeError::BadWillFlags, reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_3_1_3_2_WillPropertyNotAllowed) {
  // Session expiry is a CONNECT property, not a will property.
  expect_v5_error(connect_v5(0x06, {0x00}, cat({str("c"), props({0x11, 0, 0, 0, 1}), str("t"),
                                                str("m")})),
                  DecodeError::MalformedProperty, reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_3_1_3_2_3_WillPayloadNotTheUtf8ItClaims) {
  expect_v5_error(connect_v5(0x06, {0x00}, cat({str("c"), props({0x01, 0x01}), str("t"),
                                                str("\xFF")})),
                  DecodeError::PayloadFormatInvalid, reason::kPayloadFormatInvalid);
}

TEST(MalformedV5, ConnectPropertiesMissing) {
  // 5.0 needs the property length after the keep alive.
  expect_v5_error(packet(0x10, cat({str("MQTT"), {0x05, 0x02, 0x00, 0x00}})),
                  DecodeError::Truncated, reason::kMalformedPacket);
}

// ---- CONNACK [MQTT-3.2] ----------------------------------------------------------------

TEST(MalformedV5, MQTT_3_2_2_2_ReasonCodeNotForConnack) {
  // 0x01 is a 3.1.1 return code; 0x8B and 0x04 belong to DISCONNECT.
  for (uint8_t code : {0x01, 0x05, 0x04, 0x8B, 0x8E, 0x91, 0xA0}) {
    SCOPED_TRACE(int(code));
    expect_v5_error({0x20, 0x03, 0x00, code, 0x00}, DecodeError::InvalidReasonCode,
                    reason::kMalformedPacket);
  }
}

TEST(MalformedV5, MQTT_3_2_2_1_ReservedConnackFlags) {
  expect_v5_error({0x20, 0x03, 0x02, 0x00, 0x00}, DecodeError::BadConnackFlags,
                  reason::kMalformedPacket);
}

TEST(MalformedV5, ConnackWithoutPropertyLength) {
  // Unlike the acks, CONNACK has no short form [3.2.2.3]; known from the header.
  expect_v5_error({0x20, 0x02}, DecodeError::Truncated, reason::kMalformedPacket);
}

// ---- PUBLISH [MQTT-3.3] ----------------------------------------------------------------

TEST(MalformedV5, MQTT_3_3_2_3_4_EmptyTopicWithoutTopicAlias) {
  expect_v5_error(publish_v5(0x30, "", {0x00}, {'x'}), DecodeError::InvalidTopicName,
                  reason::kTopicNameInvalid);
  expect_v5_error(publish_v5(0x30, "", props({0x02, 0, 0, 0, 1}), {}),
                  DecodeError::InvalidTopicName, reason::kTopicNameInvalid);
}

TEST(MalformedV5, MQTT_3_3_2_2_WildcardTopicEvenWithAlias) {
  expect_v5_error(publish_v5(0x30, "a/+", props({0x23, 0x00, 0x01}), {}),
                  DecodeError::InvalidTopicName, reason::kTopicNameInvalid);
}

TEST(MalformedV5, MQTT_3_3_2_3_2_PayloadNotTheUtf8ItClaims) {
  const std::string_view bad[] = {"\xC0\x80", "\xED\xA0\x80", "a\xE2\x82", "\xF4\x90\x80\x80"};
  for (std::string_view s : bad) {
    SCOPED_TRACE(testing::PrintToString(std::string(s)));
    expect_v5_error(publish_v5(0x30, "t", props({0x01, 0x01}), Bytes(s.begin(), s.end())),
                    DecodeError::PayloadFormatInvalid, reason::kPayloadFormatInvalid);
  }
  // Format 0 says nothing about the bytes.
  EXPECT_EQ(decode_as<Publish>(publish_v5(0x30, "t", props({0x01, 0x00}), {0xFF}), kV5).payload,
            "\xFF");
}

TEST(MalformedV5, PublishPropertiesMissing) {
  expect_v5_error(publish_v5(0x32, "t", {0x00, 0x01}, {}), DecodeError::Truncated,
                  reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_2_2_1_3_ZeroPacketId) {
  expect_v5_error(publish_v5(0x32, "t", {0x00, 0x00, 0x00}, {}), DecodeError::ZeroPacketId,
                  reason::kProtocolError);
  expect_v5_error({0x40, 0x03, 0x00, 0x00, 0x00}, DecodeError::ZeroPacketId,
                  reason::kProtocolError);
}

// ---- PUBACK, PUBREC, PUBREL, PUBCOMP [MQTT-3.4-3.7] ------------------------------------------

TEST(MalformedV5, MQTT_3_4_2_1_ReasonCodeNotForPubackOrPubrec) {
  for (uint8_t byte0 : {0x40, 0x50}) {
    for (uint8_t code : {0x01, 0x11, 0x81, 0x92, 0x8F}) {
      SCOPED_TRACE(testing::Message() << int(byte0) << " " << int(code));
      expect_v5_error({byte0, 0x03, 0x00, 0x01, code}, DecodeError::InvalidReasonCode,
                      reason::kMalformedPacket);
    }
  }
}

TEST(MalformedV5, MQTT_3_6_2_1_ReasonCodeNotForPubrelOrPubcomp) {
  for (uint8_t byte0 : {0x62, 0x70}) {
    for (uint8_t code : {0x10, 0x80, 0x87, 0x91}) {
      SCOPED_TRACE(testing::Message() << int(byte0) << " " << int(code));
      expect_v5_error({byte0, 0x03, 0x00, 0x01, code}, DecodeError::InvalidReasonCode,
                      reason::kMalformedPacket);
    }
  }
}

TEST(MalformedV5, AckPacketIdCutShort) {
  expect_v5_error({0x40, 0x01, 0x00}, DecodeError::Truncated, reason::kMalformedPacket);
}

TEST(MalformedV5, AckPropertyNotAllowed) {
  expect_v5_error({0x40, 0x05, 0x00, 0x01, 0x00, 0x01, 0x00}, DecodeError::MalformedProperty,
                  reason::kMalformedPacket);  // id 0x00
  expect_v5_error({0x40, 0x07, 0x00, 0x01, 0x00, 0x03, 0x23, 0x00, 0x01},
                  DecodeError::MalformedProperty, reason::kMalformedPacket);  // topic alias
}

// ---- SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK [MQTT-3.8-3.11] ---------------------------------

TEST(MalformedV5, MQTT_3_8_3_5_ReservedOptionBits) {
  expect_v5_error(subscribe_v5("a", 0x40), DecodeError::ReservedSubscribeBits,
                  reason::kMalformedPacket);
  expect_v5_error(subscribe_v5("a", 0x80), DecodeError::ReservedSubscribeBits,
                  reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_3_8_3_1_MaximumQos3) {
  expect_v5_error(subscribe_v5("a", 0x03), DecodeError::InvalidQos, reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_3_8_3_1_RetainHandling3) {
  expect_v5_error(subscribe_v5("a", 0x30), DecodeError::InvalidRetainHandling,
                  reason::kProtocolError);
}

TEST(MalformedV5, MQTT_3_8_3_4_NoLocalOnSharedSubscription) {
  expect_v5_error(subscribe_v5("$share/g/a", 0x04), DecodeError::SharedNoLocal,
                  reason::kProtocolError);
  // Without no local it is fine, and so is no local on an ordinary filter.
  EXPECT_EQ(decode(subscribe_v5("$share/g/a", 0x00), kNoLimit, kV5).status, Status::Packet);
  EXPECT_EQ(decode(subscribe_v5("$shared/a", 0x04), kNoLimit, kV5).status, Status::Packet);
}

// A string that is not a topic filter is a Malformed Packet; 0x8F is for a
// filter that is "correctly formed" but refused (3.14.2.1).
TEST(MalformedV5, MQTT_4_8_2_MalformedSharedFilter) {
  expect_v5_error(subscribe_v5("$share/g", 0x00), DecodeError::InvalidTopicFilter,
                  reason::kMalformedPacket);
  expect_v5_error(packet(0xA2, cat({{0x00, 0x01, 0x00}, str("$share//a")})),
                  DecodeError::InvalidTopicFilter, reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_4_7_3_1_EmptyFilter) {
  expect_v5_error(subscribe_v5("", 0x00), DecodeError::InvalidTopicFilter, reason::kMalformedPacket);
  expect_v5_error(packet(0xA2, cat({{0x00, 0x01, 0x00}, str("")})), DecodeError::InvalidTopicFilter,
                  reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_4_7_1_1_and_2_MisplacedWildcards) {
  expect_v5_error(subscribe_v5("a/#/b", 0x00), DecodeError::InvalidTopicFilter, reason::kMalformedPacket);
  expect_v5_error(subscribe_v5("a+", 0x00), DecodeError::InvalidTopicFilter, reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_3_8_3_2_SubscribeWithoutFilters) {
  // "A SUBSCRIBE packet with no Payload is a Protocol Error" [3.8.3].
  expect_v5_error(packet(0x82, {0x00, 0x01, 0x00}), DecodeError::EmptySubscribe,
                  reason::kProtocolError);
}

TEST(MalformedV5, MQTT_3_10_3_2_UnsubscribeWithoutFilters) {
  expect_v5_error(packet(0xA2, {0x00, 0x01, 0x00}), DecodeError::EmptySubscribe,
                  reason::kProtocolError);
}

TEST(MalformedV5, SubscribePropertyNotAllowed) {
  // Reason string is for acknowledgements, not requests.
  expect_v5_error(packet(0x82, cat({{0x00, 0x01}, props(cat({{0x1F}, str("r")})), str("a"),
                                    {0x00}})),
                  DecodeError::MalformedProperty, reason::kMalformedPacket);
  // UNSUBSCRIBE has no subscription identifier.
  expect_v5_error(packet(0xA2, cat({{0x00, 0x01}, props({0x0B, 0x01}), str("a")})),
                  DecodeError::MalformedProperty, reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_3_9_3_ReasonCodeNotForSuback) {
  for (uint8_t code : {0x03, 0x04, 0x11, 0x81, 0x82, 0x92}) {
    SCOPED_TRACE(int(code));
    expect_v5_error({0x90, 0x04, 0x00, 0x01, 0x00, code}, DecodeError::InvalidReasonCode,
                    reason::kMalformedPacket);
  }
}

TEST(MalformedV5, MQTT_3_11_3_ReasonCodeNotForUnsuback) {
  for (uint8_t code : {0x01, 0x02, 0x10, 0x9E}) {
    SCOPED_TRACE(int(code));
    expect_v5_error({0xB0, 0x04, 0x00, 0x01, 0x00, code}, DecodeError::InvalidReasonCode,
                    reason::kMalformedPacket);
  }
}

TEST(MalformedV5, SubackAndUnsubackWithoutReasonCodes) {
  // One code per requested filter, and a request has at least one.
  expect_v5_error({0x90, 0x03, 0x00, 0x01, 0x00}, DecodeError::Truncated,
                  reason::kMalformedPacket);
  expect_v5_error({0xB0, 0x03, 0x00, 0x01, 0x00}, DecodeError::Truncated,
                  reason::kMalformedPacket);
  expect_v5_error({0xB0, 0x02, 0x00, 0x01}, DecodeError::Truncated, reason::kMalformedPacket);
}

// ---- DISCONNECT, AUTH [MQTT-3.14, 3.15] ---------------------------------------------------

TEST(MalformedV5, MQTT_3_14_2_1_ReasonCodeNotForDisconnect) {
  for (uint8_t code : {0x01, 0x10, 0x84, 0x85, 0x86, 0x88, 0x8A, 0x8C, 0x91, 0x92, 0xA3}) {
    SCOPED_TRACE(int(code));
    expect_v5_error({0xE0, 0x01, code}, DecodeError::InvalidReasonCode,
                    reason::kMalformedPacket);
  }
}

TEST(MalformedV5, DisconnectPropertyNotAllowed) {
  // Session expiry yes, receive maximum no.
  expect_v5_error({0xE0, 0x05, 0x00, 0x03, 0x21, 0x00, 0x01}, DecodeError::MalformedProperty,
                  reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_3_15_2_1_ReasonCodeNotForAuth) {
  for (uint8_t code : {0x01, 0x04, 0x80, 0x8C}) {
    SCOPED_TRACE(int(code));
    expect_v5_error({0xF0, 0x02, code, 0x00}, DecodeError::InvalidReasonCode,
                    reason::kMalformedPacket);
  }
}

TEST(MalformedV5, AuthReasonCodeWithoutPropertyLength) {
  expect_v5_error({0xF0, 0x01, 0x18}, DecodeError::Truncated, reason::kMalformedPacket);
}

TEST(MalformedV5, MQTT_2_1_3_1_AuthFlagsMustBe0) {
  for (uint8_t flags = 1; flags < 16; ++flags) {
    expect_v5_error({static_cast<uint8_t>(0xF0 | flags)}, DecodeError::ReservedFlags,
                    reason::kMalformedPacket);
  }
}

TEST(MalformedV5, AuthPropertyNotAllowed) {
  // Session expiry belongs to CONNECT, CONNACK and DISCONNECT.
  expect_v5_error({0xF0, 0x07, 0x18, 0x05, 0x11, 0x00, 0x00, 0x00, 0x01},
                  DecodeError::MalformedProperty, reason::kMalformedPacket);
}

// ---- fixed header on a 5.0 connection --------------------------------------------------------

TEST(MalformedV5, PingsStayEmpty) {
  expect_v5_error({0xC0, 0x01}, DecodeError::TrailingBytes, reason::kMalformedPacket);
  expect_v5_error({0xD0, 0x01}, DecodeError::TrailingBytes, reason::kMalformedPacket);
}

TEST(MalformedV5, TrailingBytesAfterProperties) {
  expect_v5_error({0x40, 0x05, 0x00, 0x01, 0x00, 0x00, 0xFF}, DecodeError::TrailingBytes,
                  reason::kMalformedPacket);
  expect_v5_error({0xE0, 0x03, 0x00, 0x00, 0xFF}, DecodeError::TrailingBytes,
                  reason::kMalformedPacket);
  expect_v5_error({0x20, 0x04, 0x00, 0x00, 0x00, 0xFF}, DecodeError::TrailingBytes,
                  reason::kMalformedPacket);
}

TEST(MalformedV5, PacketTooLarge) {
  EXPECT_EQ(decode(Bytes{0x30, 0xFF, 0x7F}, 1000, kV5).error, DecodeError::PacketTooLarge);
  EXPECT_EQ(reason_for(DecodeError::PacketTooLarge), reason::kPacketTooLarge);
}

// ---- 3.1.1 is unchanged ---------------------------------------------------------------------

TEST(Malformed311, MQTT_2_2_Type15IsReservedBefore5) {
  EXPECT_EQ(error_of({0xF0, 0x00}, kV311), DecodeError::ReservedPacketType);
  EXPECT_EQ(error_of({0xF0, 0x00}, ProtocolLevel::V31), DecodeError::ReservedPacketType);
}

TEST(Malformed311, AcksAreExactlyTwoBytes) {
  for (uint8_t byte0 : {0x40, 0x50, 0x62, 0x70, 0xB0}) {
    SCOPED_TRACE(int(byte0));
    EXPECT_EQ(error_of({byte0, 0x03, 0x00, 0x01, 0x00}, kV311), DecodeError::TrailingBytes);
    EXPECT_EQ(error_of({byte0, 0x04, 0x00, 0x01, 0x00, 0x00}, kV311),
              DecodeError::TrailingBytes);
  }
  EXPECT_EQ(error_of({0x20, 0x03, 0x00, 0x00, 0x00}, kV311), DecodeError::TrailingBytes);
  EXPECT_EQ(error_of({0xE0, 0x01, 0x00}, kV311), DecodeError::TrailingBytes);
}

TEST(Malformed311, PublishHasNoPropertiesOr5Rules) {
  // A byte that 5.0 would read as a property length is payload in 3.1.1.
  EXPECT_EQ(decode_as<Publish>(publish_v5(0x30, "t", {0x02, 0x01, 0x02}, {}), kV311).payload,
            "\x02\x01\x02");
  // An empty topic is never allowed [MQTT-4.7.3-1].
  EXPECT_EQ(error_of(publish_v5(0x30, "", props({0x23, 0x00, 0x01}), {}), kV311),
            DecodeError::InvalidTopicName);
}

TEST(Malformed311, SubscribeOptionBitsStayReserved) {
  // No local, retain as published and retain handling do not exist before 5.0.
  for (uint8_t options : {0x04, 0x08, 0x10, 0x20}) {
    EXPECT_EQ(error_of(packet(0x82, cat({{0x00, 0x01}, str("a"), {options}})), kV311),
              DecodeError::ReservedSubscribeBits);
  }
}

}  // namespace
}  // namespace edgemq::mqtt
