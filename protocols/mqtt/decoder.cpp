// Frame splitting: the fixed header [MQTT-2.2] decides whether a whole packet
// is at the front of the buffer. Everything the header alone can reveal
// (reserved types and flags, a fifth length byte, an oversized or misshapen
// length) fails here, before the body is waited for; the body itself is parsed
// only once it is all present (decode_body.cpp), so a body parser never sees a
// partial packet and the result does not depend on how the stream was split.
#include "protocols/mqtt/codec.h"

#include <cstddef>
#include <cstdint>

#include "protocols/mqtt/decode_body.h"
#include "protocols/mqtt/variable_byte_integer.h"

namespace edgemq::mqtt {

namespace {

DecodeResult fail(DecodeError e) {
  DecodeResult r;
  r.status = DecodeResult::Status::Error;
  r.error = e;
  return r;
}

// Type 0 is reserved in every version; 15 is AUTH in 5.0 and reserved before
// [MQTT-2.1.2].
bool reserved_type(uint8_t type_bits, ProtocolLevel level) {
  return type_bits == 0 || (type_bits == 15 && level != ProtocolLevel::V5);
}

// Reserved fixed-header flag values [MQTT-2.2.2-1]: PUBREL, SUBSCRIBE and
// UNSUBSCRIBE carry 0b0010 [MQTT-3.6.1-1, 3.8.1-1, 3.10.1-1]; PUBLISH carries
// DUP/QoS/RETAIN; every other type (AUTH included) carries 0b0000.
DecodeError check_flags(PacketType type, uint8_t flags) {
  switch (type) {
    case PacketType::Publish: {
      const uint8_t qos = (flags >> 1) & 0x03;
      if (qos == 3) return DecodeError::InvalidQos;                  // [MQTT-3.3.1-4]
      if ((flags & 0x08) && qos == 0) return DecodeError::ReservedFlags;  // [MQTT-3.3.1-2]
      return DecodeError::None;
    }
    case PacketType::Pubrel:
    case PacketType::Subscribe:
    case PacketType::Unsubscribe:
      return flags == 0x02 ? DecodeError::None : DecodeError::ReservedFlags;
    default:
      return flags == 0 ? DecodeError::None : DecodeError::ReservedFlags;
  }
}

// The bounds the remaining length of a type must keep, where the type has
// any; `max` is SIZE_MAX for a body with optional parts.
struct Shape {
  size_t min = 0;
  size_t max = SIZE_MAX;
};

// 3.1.1 bodies of a fixed size, so a PINGREQ claiming 200 MB is refused
// without waiting for it.
Shape shape_v311(PacketType type) {
  switch (type) {
    case PacketType::Connack:
    case PacketType::Puback:
    case PacketType::Pubrec:
    case PacketType::Pubrel:
    case PacketType::Pubcomp:
    case PacketType::Unsuback:
      return {2, 2};
    case PacketType::Pingreq:
    case PacketType::Pingresp:
    case PacketType::Disconnect:
      return {0, 0};
    default:
      return {};  // variable-size bodies are checked when parsed
  }
}

// 5.0 gives most of those a tail of reason code and properties, so only the
// fixed part is a bound: the packet id of a PUBACK..PUBCOMP [3.4.2], the
// flags, reason code and property length of a CONNACK [3.2.2]. DISCONNECT
// and AUTH may be empty; UNSUBACK is checked when parsed.
Shape shape_v5(PacketType type) {
  switch (type) {
    case PacketType::Connack:
      return {3};
    case PacketType::Puback:
    case PacketType::Pubrec:
    case PacketType::Pubrel:
    case PacketType::Pubcomp:
      return {2};
    case PacketType::Pingreq:
    case PacketType::Pingresp:
      return {0, 0};
    default:
      return {};
  }
}

DecodeError check_shape(PacketType type, size_t remaining, ProtocolLevel level) {
  const Shape shape = level == ProtocolLevel::V5 ? shape_v5(type) : shape_v311(type);
  if (remaining < shape.min) return DecodeError::Truncated;
  if (remaining > shape.max) return DecodeError::TrailingBytes;
  return DecodeError::None;
}

}  // namespace

DecodeResult decode(std::span<const uint8_t> in, size_t max_packet_size, ProtocolLevel level) {
  DecodeResult r;  // NeedMore with needed = 0 until the length is known
  if (in.empty()) return r;

  const uint8_t type_bits = in[0] >> 4;
  const auto flags = static_cast<uint8_t>(in[0] & 0x0F);
  if (reserved_type(type_bits, level)) return fail(DecodeError::ReservedPacketType);
  const auto type = static_cast<PacketType>(type_bits);
  if (DecodeError e = check_flags(type, flags); e != DecodeError::None) return fail(e);

  // The remaining length: up to four bytes [MQTT-2.2.3].
  uint32_t remaining = 0;
  size_t length_bytes = 0;
  switch (read_variable_byte_integer(in.subspan(1), remaining, length_bytes)) {
    case VbiStatus::NeedMore: return r;
    case VbiStatus::TooLong: return fail(DecodeError::RemainingLengthTooLong);
    case VbiStatus::Done: break;
  }
  const size_t header_len = 1 + length_bytes;

  const size_t total = header_len + remaining;
  if (total > max_packet_size) return fail(DecodeError::PacketTooLarge);
  if (DecodeError e = check_shape(type, remaining, level); e != DecodeError::None) return fail(e);
  if (in.size() < total) {
    r.needed = total;
    return r;
  }

  const DecodeError e =
      decode_body(type, flags, in.subspan(header_len, remaining), level, r.packet);
  if (e != DecodeError::None) return fail(e);
  r.status = DecodeResult::Status::Packet;
  r.consumed = total;
  return r;
}

}  // namespace edgemq::mqtt
