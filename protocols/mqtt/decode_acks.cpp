// The packets that answer with a reason code: CONNACK [MQTT-3.2], PUBACK,
// PUBREC, PUBREL, PUBCOMP [3.4-3.7], DISCONNECT [3.14] and AUTH [3.15]. In
// 5.0 most of them may drop their tail: no properties when they would be
// empty, and no reason code either when it is 0x00.
#include <utility>

#include "protocols/mqtt/field_reader.h"
#include "protocols/mqtt/packet_decoders.h"
#include "protocols/mqtt/property_reader.h"

namespace edgemq::mqtt {

namespace {

// A reason code, then properties unless the packet ends after the code
// [3.4.2.2.1, 3.14.2.2.1].
DecodeError read_reason_and_properties(ByteReader& r, PacketType type, PropertyContext context,
                                       uint8_t& code, Props& props) {
  if (DecodeError e = read_reason_code(r, type, code); e != kOk) return e;
  if (r.empty()) return kOk;
  return read_properties(r, context, props);
}

template <PacketType T>
DecodeError read_ack(ByteReader& r, ProtocolLevel level, Packet& out) {
  Ack<T> a;
  if (DecodeError e = read_packet_id(r, a.packet_id); e != kOk) return e;
  // A bare packet id means success without properties [3.4.2.1]; 3.1.1 has
  // nothing more, which the fixed header already ensured.
  if (is_v5(level) && !r.empty()) {
    if (DecodeError e = read_reason_and_properties(r, T, PropertyContext::PublishResponse,
                                                   a.reason_code, a.props);
        e != kOk) {
      return e;
    }
  }
  if (DecodeError e = expect_end(r); e != kOk) return e;
  out = std::move(a);
  return kOk;
}

}  // namespace

DecodeError decode_connack(ByteReader& r, ProtocolLevel level, Packet& out) {
  uint8_t ack_flags = 0;
  uint8_t code = 0;
  Connack c;
  if (!is_v5(level)) {
    // The remaining length is exactly 2 here (checked from the fixed header).
    if (!r.u8(ack_flags) || !r.u8(code)) return DecodeError::Truncated;
    if (ack_flags & 0xFE) return DecodeError::BadConnackFlags;  // bits 7-1 reserved [3.2.2.1]
    // Return codes 6..255 are reserved [3.2.2.3] but kept as-is: refusing
    // them is the client's decision, and the test tools want to see what
    // was sent.
  } else {
    if (!r.u8(ack_flags)) return DecodeError::Truncated;
    if (ack_flags & 0xFE) return DecodeError::BadConnackFlags;  // [MQTT-3.2.2-1]
    // The property length is not optional in CONNACK [3.2.2.3].
    if (DecodeError e = read_reason_code(r, PacketType::Connack, code); e != kOk) return e;
    if (DecodeError e = read_properties(r, PropertyContext::Connack, c.props); e != kOk) return e;
  }
  c.session_present = (ack_flags & 0x01) != 0;
  c.code = static_cast<ConnackCode>(code);
  if (DecodeError e = expect_end(r); e != kOk) return e;
  out = std::move(c);
  return kOk;
}

DecodeError decode_publish_response(ByteReader& r, PacketType type, ProtocolLevel level,
                                    Packet& out) {
  switch (type) {
    case PacketType::Puback: return read_ack<PacketType::Puback>(r, level, out);
    case PacketType::Pubrec: return read_ack<PacketType::Pubrec>(r, level, out);
    case PacketType::Pubrel: return read_ack<PacketType::Pubrel>(r, level, out);
    default: return read_ack<PacketType::Pubcomp>(r, level, out);
  }
}

// 3.1.1 DISCONNECT is always empty (checked from the fixed header); 5.0's is
// empty for a normal disconnection without properties [3.14.2.1].
DecodeError decode_disconnect(ByteReader& r, ProtocolLevel level, Packet& out) {
  Disconnect d;
  if (is_v5(level) && !r.empty()) {
    if (DecodeError e = read_reason_and_properties(r, PacketType::Disconnect,
                                                   PropertyContext::Disconnect, d.reason_code,
                                                   d.props);
        e != kOk) {
      return e;
    }
  }
  if (DecodeError e = expect_end(r); e != kOk) return e;
  out = std::move(d);
  return kOk;
}

// Only 5.0 has AUTH (the fixed header refuses type 15 otherwise). It may be
// empty for success without properties; otherwise the property length
// follows the reason code [3.15.2.1]: unlike DISCONNECT, no one-byte form.
DecodeError decode_auth(ByteReader& r, Packet& out) {
  Auth a;
  if (!r.empty()) {
    if (DecodeError e = read_reason_code(r, PacketType::Auth, a.reason_code); e != kOk) return e;
    if (DecodeError e = read_properties(r, PropertyContext::Auth, a.props); e != kOk) return e;
  }
  if (DecodeError e = expect_end(r); e != kOk) return e;
  out = std::move(a);
  return kOk;
}

}  // namespace edgemq::mqtt
