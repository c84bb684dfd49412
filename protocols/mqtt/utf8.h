// Internal to the codec: UTF-8 well-formedness as Unicode defines it (Table
// 3-7, restated in RFC 3629). Strings on the wire [MQTT-1.5.4] add two rules
// on top (no U+0000, at most 65535 bytes; see valid_utf8 in topic.h), the
// strings that name things one more (no control characters; see
// valid_name_utf8); a PUBLISH or will payload marked as UTF-8
// [MQTT-3.3.2.3.2] adds none.
#pragma once

#include <cstdint>
#include <string_view>

namespace edgemq::mqtt {

// Code points a well-formed string may not hold either.
enum class Forbid : uint8_t {
  Nothing,   // character data, e.g. a payload marked UTF-8
  Nul,       // U+0000 [MQTT-1.5.4-2]
  Controls,  // U+0000, U+0001..U+001F and U+007F..U+009F (1.5.4: "SHOULD NOT")
};

// Whether `s` is well-formed UTF-8: no overlong forms, no surrogates
// U+D800..DFFF, nothing above U+10FFFF, no cut-off sequence; and none of
// what `forbid` names. One pass over the bytes whatever `forbid` says.
bool well_formed_utf8(std::string_view s, Forbid forbid);

}  // namespace edgemq::mqtt
