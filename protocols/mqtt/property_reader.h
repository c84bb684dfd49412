// Internal to the decoder: a 5.0 property block [MQTT-2.2.2] into Properties.
#pragma once

#include "protocols/mqtt/byte_reader.h"
#include "protocols/mqtt/codec.h"
#include "protocols/mqtt/properties.h"
#include "protocols/mqtt/property_rules.h"

namespace edgemq::mqtt {

// Reads a property length (a Variable Byte Integer) and that many bytes of
// identifier/value pairs, checked against table 2-4 for `context`. Leaves
// `out` null for an empty block, so packets without properties allocate
// nothing.
//
// Errors, in the order they are looked for:
//  - Truncated: the property length runs past the packet, like any other
//    length field inside a body; MalformedProperty if it has a fifth byte;
//  - MalformedProperty: an identifier 5.0 does not define or does not allow
//    in `context`, or a value that runs past the property length
//    [MQTT-2.2.2.2];
//  - MalformedUtf8: a string or string pair that is not valid UTF-8 [MQTT-1.5.4];
//  - PropertyValue: a value outside its range (PropertyRule), or a Response
//    Topic that is not a topic name [MQTT-3.3.2-14];
//  - DuplicateProperty: a second occurrence of anything but a User Property
//    or, in PUBLISH, a Subscription Identifier [3.3.2.3.8].
DecodeError read_properties(ByteReader& r, PropertyContext context, Props& out);

}  // namespace edgemq::mqtt
