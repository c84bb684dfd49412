// Internal to the decoder: one parser per packet body, each taking a reader
// over exactly the remaining length. decode_body.cpp picks the parser.
#pragma once

#include <cstdint>

#include "protocols/mqtt/byte_reader.h"
#include "protocols/mqtt/codec.h"
#include "protocols/mqtt/packet.h"

namespace edgemq::mqtt {

// decode_connect.cpp. A CONNECT names its own level.
DecodeError decode_connect(ByteReader& r, Packet& out);

// decode_publish.cpp.
DecodeError decode_publish(ByteReader& r, uint8_t flags, ProtocolLevel level, Packet& out);

// decode_acks.cpp: the packets whose 5.0 form is a reason code and properties.
DecodeError decode_connack(ByteReader& r, ProtocolLevel level, Packet& out);
DecodeError decode_publish_response(ByteReader& r, PacketType type, ProtocolLevel level,
                                    Packet& out);  // PUBACK, PUBREC, PUBREL, PUBCOMP
DecodeError decode_disconnect(ByteReader& r, ProtocolLevel level, Packet& out);
DecodeError decode_auth(ByteReader& r, Packet& out);

// decode_subscribe.cpp.
DecodeError decode_subscribe(ByteReader& r, ProtocolLevel level, Packet& out);
DecodeError decode_suback(ByteReader& r, ProtocolLevel level, Packet& out);
DecodeError decode_unsubscribe(ByteReader& r, ProtocolLevel level, Packet& out);
DecodeError decode_unsuback(ByteReader& r, ProtocolLevel level, Packet& out);

}  // namespace edgemq::mqtt
