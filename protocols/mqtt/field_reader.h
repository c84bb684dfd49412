// Internal to the decoder: the fields packet bodies share, each returning the
// DecodeError its rule names. The body parsers are handed exactly the
// remaining length, so running out of bytes means a length inside the body
// ran past it (Truncated).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/mqtt/byte_reader.h"
#include "protocols/mqtt/codec.h"
#include "protocols/mqtt/properties.h"

namespace edgemq::mqtt {

inline constexpr DecodeError kOk = DecodeError::None;

inline bool is_v5(ProtocolLevel level) { return level == ProtocolLevel::V5; }

// A UTF-8 Encoded String [MQTT-1.5.4] that names something: a client id,
// user name, topic or filter. Control characters are refused too
// (valid_name_utf8); the string properties of 5.0, which applications pass
// along unread, are read by property_reader.cpp without that rule.
DecodeError read_name(ByteReader& r, std::string& out);

// Binary Data [MQTT-1.5.6]: password, will payload.
DecodeError read_binary(ByteReader& r, std::string& out);

// A non-zero Packet Identifier [MQTT-2.2.1-3].
DecodeError read_packet_id(ByteReader& r, uint16_t& id);

// A 5.0 reason code that packets of `type` define [MQTT-2.4].
DecodeError read_reason_code(ByteReader& r, PacketType type, uint8_t& code);

// A payload whose Payload Format Indicator is 1 must be well-formed UTF-8
// [3.3.2.3.2, 3.1.3.2.3]; it is character data, not a string field, so it
// may hold U+0000 and exceed 65535 bytes.
DecodeError check_payload_format(const Properties& props, std::string_view payload);

// Every byte of the remaining length was used.
DecodeError expect_end(const ByteReader& r);

}  // namespace edgemq::mqtt
