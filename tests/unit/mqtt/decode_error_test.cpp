// What each DecodeError tells a 5.0 peer (reason_for) and a log (describe).
#include <cstdint>
#include <iterator>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "protocols/mqtt/codec.h"

namespace edgemq::mqtt {
namespace {

struct Mapping {
  DecodeError error;
  uint8_t reason_code;
};

// [MQTT-4.13] and the rule sections; see reason_for() for the reasoning.
constexpr Mapping kMappings[] = {
    {DecodeError::None, 0x00},
    {DecodeError::ReservedPacketType, 0x81},
    {DecodeError::ReservedFlags, 0x81},
    {DecodeError::RemainingLengthTooLong, 0x81},
    {DecodeError::PacketTooLarge, 0x95},
    {DecodeError::Truncated, 0x81},
    {DecodeError::TrailingBytes, 0x81},
    {DecodeError::BadProtocolName, 0x81},
    {DecodeError::UnsupportedProtocolLevel, 0x84},
    {DecodeError::ReservedConnectFlag, 0x81},
    {DecodeError::BadWillFlags, 0x81},
    {DecodeError::BadUsernamePasswordFlags, 0x81},
    {DecodeError::MalformedUtf8, 0x81},
    {DecodeError::ControlCharacter, 0x81},  // "MAY treat it as a Malformed Packet" (1.5.4)
    {DecodeError::InvalidTopicName, 0x90},
    {DecodeError::InvalidTopicFilter, 0x81},  // not "correctly formed": 0x8F is for those (3.14.2.1)
    {DecodeError::InvalidQos, 0x81},
    {DecodeError::ZeroPacketId, 0x82},
    {DecodeError::EmptySubscribe, 0x82},  // "is a Protocol Error" [3.8.3, 3.10.3]
    {DecodeError::ReservedSubscribeBits, 0x81},
    {DecodeError::BadConnackFlags, 0x81},
    {DecodeError::MalformedProperty, 0x81},
    {DecodeError::DuplicateProperty, 0x82},
    {DecodeError::PropertyValue, 0x82},
    {DecodeError::InvalidReasonCode, 0x81},
    {DecodeError::InvalidRetainHandling, 0x82},
    {DecodeError::SharedNoLocal, 0x82},
    {DecodeError::PayloadFormatInvalid, 0x99},
};

TEST(DecodeErrors, ReasonCodeForEachError) {
  for (const Mapping& m : kMappings) {
    SCOPED_TRACE(describe(m.error));
    EXPECT_EQ(reason_for(m.error), m.reason_code);
  }
}

TEST(DecodeErrors, TableCoversEveryError) {
  // The enum is dense from None to PayloadFormatInvalid; a new error must
  // join the table above.
  EXPECT_EQ(std::size(kMappings), static_cast<size_t>(DecodeError::PayloadFormatInvalid) + 1);
  for (size_t i = 0; i < std::size(kMappings); ++i) {
    EXPECT_EQ(static_cast<size_t>(kMappings[i].error), i);
  }
}

TEST(DecodeErrors, EveryErrorHasItsOwnDescription) {
  std::set<std::string> seen;
  for (const Mapping& m : kMappings) {
    const std::string text = describe(m.error);
    EXPECT_NE(text, "unknown decode error");
    EXPECT_TRUE(seen.insert(text).second) << "shared: " << text;
  }
  EXPECT_STREQ(describe(DecodeError::SharedNoLocal), "no local on a shared subscription");
}

TEST(DecodeErrors, FailureReasonCodesAreFailures) {
  // Reason codes of 0x80 and above mean failure [MQTT-2.4].
  for (const Mapping& m : kMappings) {
    if (m.error == DecodeError::None) continue;
    EXPECT_GE(reason_for(m.error), 0x80) << describe(m.error);
  }
}

}  // namespace
}  // namespace edgemq::mqtt
