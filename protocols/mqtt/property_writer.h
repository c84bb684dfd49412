// Internal to the encoder: Properties to a 5.0 property block [MQTT-2.2.2].
#pragma once

#include <cstddef>
#include <string>

#include "protocols/mqtt/properties.h"

namespace edgemq::mqtt {

// The bytes of the properties alone, without the property length; 0 for null.
size_t properties_length(const Properties* p);

// The whole block: the property length and `length` bytes of properties.
size_t property_block_size(size_t length);

// Appends a property block whose properties_length() is `length`: every
// property that is set, in ascending identifier order, user properties and
// subscription identifiers in their own order. Whether a property belongs in
// the packet is the caller's business; the encoder trusts its input.
void put_property_block(std::string& out, const Properties* p, size_t length);

// A packet's properties as the writer takes them: null when none were set.
inline const Properties* properties_of(const Props& props) {
  return props.null() ? nullptr : &props.get();
}

}  // namespace edgemq::mqtt
