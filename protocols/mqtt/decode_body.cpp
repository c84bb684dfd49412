// Packet bodies [MQTT-3]: picks the parser for the type. The caller hands
// over exactly the remaining length.
#include "protocols/mqtt/decode_body.h"

#include "protocols/mqtt/field_reader.h"
#include "protocols/mqtt/packet_decoders.h"

namespace edgemq::mqtt {

DecodeError decode_body(PacketType type, uint8_t flags, std::span<const uint8_t> body,
                        ProtocolLevel level, Packet& out) {
  ByteReader r(body);
  switch (type) {
    case PacketType::Connect: return decode_connect(r, out);
    case PacketType::Connack: return decode_connack(r, level, out);
    case PacketType::Publish: return decode_publish(r, flags, level, out);
    case PacketType::Puback:
    case PacketType::Pubrec:
    case PacketType::Pubrel:
    case PacketType::Pubcomp: return decode_publish_response(r, type, level, out);
    case PacketType::Subscribe: return decode_subscribe(r, level, out);
    case PacketType::Suback: return decode_suback(r, level, out);
    case PacketType::Unsubscribe: return decode_unsubscribe(r, level, out);
    case PacketType::Unsuback: return decode_unsuback(r, level, out);
    case PacketType::Pingreq: out = Pingreq{}; return expect_end(r);
    case PacketType::Pingresp: out = Pingresp{}; return expect_end(r);
    case PacketType::Disconnect: return decode_disconnect(r, level, out);
    case PacketType::Auth: return decode_auth(r, out);
  }
  return DecodeError::ReservedPacketType;  // unreachable: type 0 (and 15 in 3.1.1) stop earlier
}

}  // namespace edgemq::mqtt
