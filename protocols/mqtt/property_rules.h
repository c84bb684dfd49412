// Internal to the codec: table 2-4 of MQTT 5.0 [MQTT-2.2.2.2], which property
// may appear where, with what wire type and what values.
#pragma once

#include <cstdint>

namespace edgemq::mqtt {

// Where a property block is read: a packet's variable header, or the will
// properties in a CONNECT payload [MQTT-3.1.3.2], which have their own set.
enum class PropertyContext : uint8_t {
  Connect,
  Will,
  Connack,
  Publish,
  PublishResponse,  // PUBACK, PUBREC, PUBREL, PUBCOMP
  Subscribe,
  Suback,
  Unsubscribe,
  Unsuback,
  Disconnect,
  Auth,
};

// Data representation of a value [MQTT-1.5].
enum class PropertyType : uint8_t {
  Byte,
  TwoByteInteger,
  FourByteInteger,
  VariableByteInteger,
  Utf8String,
  BinaryData,
  Utf8StringPair,
};

struct PropertyRule {
  PropertyType type = PropertyType::Byte;
  uint16_t contexts = 0;  // one bit per PropertyContext; 0 for an undefined id
  // The values a numeric property may take; outside them is a Protocol
  // Error (e.g. Receive Maximum 0 [MQTT-3.1.2.11.3]).
  uint32_t min = 0;
  uint32_t max = 0;

  bool allowed_in(PropertyContext c) const {
    return (contexts & (1u << static_cast<unsigned>(c))) != 0;
  }
};

// The rule for property identifier `id`, or null if 5.0 defines no such id.
const PropertyRule* property_rule(uint8_t id);

}  // namespace edgemq::mqtt
