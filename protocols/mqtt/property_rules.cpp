// Table 2-4 [MQTT-2.2.2.2], one row per property, with the value ranges the
// property descriptions in section 3 give. A property outside its row's
// packets is a Malformed Packet [MQTT-2.2.2.2]; the reader decides that.
#include "protocols/mqtt/property_rules.h"

#include <array>

#include "protocols/mqtt/properties.h"
#include "protocols/mqtt/variable_byte_integer.h"

namespace edgemq::mqtt {

namespace {

using C = PropertyContext;
using T = PropertyType;

constexpr uint16_t in(C c) { return static_cast<uint16_t>(1u << static_cast<unsigned>(c)); }
template <class... Rest>
constexpr uint16_t in(C c, Rest... rest) { return static_cast<uint16_t>(in(c) | in(rest...)); }

constexpr uint32_t kTwoBytes = 0xFFFF;
constexpr uint32_t kFourBytes = 0xFFFF'FFFF;

struct Row {
  PropertyId id;
  PropertyRule rule;
};

constexpr Row kRows[] = {
    // Will and PUBLISH: the application message's own properties.
    {PropertyId::PayloadFormat, {T::Byte, in(C::Publish, C::Will), 0, 1}},  // [3.3.2.3.2]
    {PropertyId::MessageExpiry, {T::FourByteInteger, in(C::Publish, C::Will), 0, kFourBytes}},
    {PropertyId::ContentType, {T::Utf8String, in(C::Publish, C::Will)}},
    {PropertyId::ResponseTopic, {T::Utf8String, in(C::Publish, C::Will)}},
    {PropertyId::CorrelationData, {T::BinaryData, in(C::Publish, C::Will)}},
    // 0 is a Protocol Error [MQTT-3.8.2.1.2].
    {PropertyId::SubscriptionId,
     {T::VariableByteInteger, in(C::Publish, C::Subscribe), 1, kMaxVariableByteInteger}},
    {PropertyId::SessionExpiry,
     {T::FourByteInteger, in(C::Connect, C::Connack, C::Disconnect), 0, kFourBytes}},
    {PropertyId::AssignedClientId, {T::Utf8String, in(C::Connack)}},
    {PropertyId::ServerKeepAlive, {T::TwoByteInteger, in(C::Connack), 0, kTwoBytes}},
    {PropertyId::AuthMethod, {T::Utf8String, in(C::Connect, C::Connack, C::Auth)}},
    {PropertyId::AuthData, {T::BinaryData, in(C::Connect, C::Connack, C::Auth)}},
    {PropertyId::RequestProblemInfo, {T::Byte, in(C::Connect), 0, 1}},  // [3.1.2.11.7]
    {PropertyId::WillDelay, {T::FourByteInteger, in(C::Will), 0, kFourBytes}},
    {PropertyId::RequestResponseInfo, {T::Byte, in(C::Connect), 0, 1}},  // [3.1.2.11.6]
    {PropertyId::ResponseInfo, {T::Utf8String, in(C::Connack)}},
    {PropertyId::ServerReference, {T::Utf8String, in(C::Connack, C::Disconnect)}},
    {PropertyId::ReasonString,
     {T::Utf8String, in(C::Connack, C::PublishResponse, C::Suback, C::Unsuback, C::Disconnect,
                        C::Auth)}},
    // 0 is a Protocol Error [3.1.2.11.3, 3.2.2.3.3].
    {PropertyId::ReceiveMaximum, {T::TwoByteInteger, in(C::Connect, C::Connack), 1, kTwoBytes}},
    {PropertyId::TopicAliasMaximum,
     {T::TwoByteInteger, in(C::Connect, C::Connack), 0, kTwoBytes}},
    // 0 is not a topic alias [MQTT-3.3.2-8].
    {PropertyId::TopicAlias, {T::TwoByteInteger, in(C::Publish), 1, kTwoBytes}},
    {PropertyId::MaximumQos, {T::Byte, in(C::Connack), 0, 1}},       // [3.2.2.3.4]
    {PropertyId::RetainAvailable, {T::Byte, in(C::Connack), 0, 1}},  // [3.2.2.3.5]
    {PropertyId::UserProperty,
     {T::Utf8StringPair,
      in(C::Connect, C::Will, C::Connack, C::Publish, C::PublishResponse, C::Subscribe, C::Suback,
         C::Unsubscribe, C::Unsuback, C::Disconnect, C::Auth)}},
    // 0 is a Protocol Error [3.1.2.11.4, 3.2.2.3.6].
    {PropertyId::MaximumPacketSize,
     {T::FourByteInteger, in(C::Connect, C::Connack), 1, kFourBytes}},
    {PropertyId::WildcardSubAvailable, {T::Byte, in(C::Connack), 0, 1}},  // [3.2.2.3.11]
    {PropertyId::SubIdAvailable, {T::Byte, in(C::Connack), 0, 1}},        // [3.2.2.3.12]
    {PropertyId::SharedSubAvailable, {T::Byte, in(C::Connack), 0, 1}},    // [3.2.2.3.13]
};

constexpr size_t kIds = static_cast<size_t>(PropertyId::SharedSubAvailable) + 1;

// Indexed by id; a row left at contexts == 0 is an id 5.0 does not define.
constexpr std::array<PropertyRule, kIds> kRules = [] {
  std::array<PropertyRule, kIds> rules{};
  for (const Row& row : kRows) rules[static_cast<size_t>(row.id)] = row.rule;
  return rules;
}();

}  // namespace

const PropertyRule* property_rule(uint8_t id) {
  if (id >= kRules.size() || kRules[id].contexts == 0) return nullptr;
  return &kRules[id];
}

}  // namespace edgemq::mqtt
