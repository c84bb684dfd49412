// Internal to the codec: UTF-8 well-formedness as Unicode defines it (Table
// 3-7, restated in RFC 3629). Strings on the wire [MQTT-1.5.4] add two rules
// on top (no U+0000, at most 65535 bytes; see valid_utf8 in topic.h); a
// PUBLISH or will payload marked as UTF-8 [MQTT-3.3.2.3.2] adds neither.
#pragma once

#include <cstdint>
#include <string_view>

namespace edgemq::mqtt {

enum class Nul : uint8_t { Allowed, Forbidden };

// Whether `s` is well-formed UTF-8: no overlong forms, no surrogates
// U+D800..DFFF, nothing above U+10FFFF, no cut-off sequence. With
// Nul::Forbidden a U+0000 fails too [MQTT-1.5.4-2].
bool well_formed_utf8(std::string_view s, Nul nul);

}  // namespace edgemq::mqtt
