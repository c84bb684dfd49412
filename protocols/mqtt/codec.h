// Pure MQTT codec: bytes in, packets out and back. No sockets, no threads, no
// global state. The decoder is incremental in the simplest way: it looks at the
// front of a buffer and either returns one whole packet, says how much more it
// needs, or names the rule the bytes break. The caller keeps any partial packet
// (the "spill") and offers it again with more bytes, so every split of a stream
// yields the same packets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "protocols/mqtt/packet.h"

namespace edgemq::mqtt {

enum class DecodeError : uint8_t {
  None = 0,
  ReservedPacketType,        // type 0 or 15 [MQTT-2.2]
  ReservedFlags,             // fixed-header flags other than the spec's [MQTT-2.2.2-1/2]
  RemainingLengthTooLong,    // more than 4 length bytes [MQTT-2.2.3]
  PacketTooLarge,            // above the configured maximum packet size
  Truncated,                 // remaining length ends inside a field
  TrailingBytes,             // remaining length longer than the fields
  BadProtocolName,           // neither "MQTT"/4 nor "MQIsdp"/3 [MQTT-3.1.2-1]
  UnsupportedProtocolLevel,  // known name, unsupported level [MQTT-3.1.2-2]
  ReservedConnectFlag,       // CONNECT flags bit 0 set [MQTT-3.1.2-3]
  BadWillFlags,              // will QoS/retain without will flag, or will QoS 3 [MQTT-3.1.2-11..15]
  BadUsernamePasswordFlags,  // password without username [MQTT-3.1.2-22]
  MalformedUtf8,             // ill-formed UTF-8 or U+0000 [MQTT-1.5.3-1/2]
  ControlCharacter,          // U+0001..001F or U+007F..009F in an id, user name, topic or filter (1.5.4)
  InvalidTopicName,          // empty, or wildcards in a PUBLISH topic [MQTT-3.3.2-1/2]
  InvalidTopicFilter,        // empty, misplaced '+' or '#', bad "$share/" [MQTT-4.7.1-2/3, 4.7.3-1, 4.8.2]
  InvalidQos,                // QoS 3 [MQTT-3.3.1-4], or subscribe QoS > 2 [MQTT-3-8.3-4]
  ZeroPacketId,              // packet id 0 where one is required [MQTT-2.3.1-1]
  EmptySubscribe,            // SUBSCRIBE/UNSUBSCRIBE with no topic [MQTT-3.8.3-3, 3.10.3-2]
  ReservedSubscribeBits,     // upper bits of a requested QoS byte [MQTT-3-8.3-4]
  BadConnackFlags,           // reserved CONNACK acknowledge flags
  // 5.0
  MalformedProperty,         // unknown id, not allowed in this packet, bad value encoding [MQTT-2.2.2]
  DuplicateProperty,         // a property other than user property (or PUBLISH's subscription ids) twice
  PropertyValue,             // a value out of its range, e.g. receive maximum 0 [MQTT-3.1.2.11]
  InvalidReasonCode,         // a reason code the packet type does not define
  InvalidRetainHandling,     // retain handling 3 [MQTT-3.8.3.1]
  SharedNoLocal,             // no local on a shared subscription [MQTT-3.8.3-4]
  PayloadFormatInvalid,      // payload format indicator 1 with a payload that is not UTF-8
};

const char* describe(DecodeError e);

// The 5.0 reason code for a decode error: what a DISCONNECT (or, for CONNECT,
// a CONNACK) says to a 5.0 peer [MQTT-4.13].
uint8_t reason_for(DecodeError e);

struct DecodeResult {
  // GCC 12's -Wshadow flags the scoped enumerator `Packet` as shadowing the
  // type mqtt::Packet, though Status::Packet cannot collide with it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
  enum class Status : uint8_t { Packet, NeedMore, Error };
#pragma GCC diagnostic pop
  Status status = Status::NeedMore;
  Packet packet;                   // valid when status == Packet
  size_t consumed = 0;             // bytes of the packet, when status == Packet
  size_t needed = 0;               // when NeedMore: total bytes of the packet if known, else 0
  DecodeError error = DecodeError::None;
};

// Decodes the packet at the front of `in`. `max_packet_size` bounds the whole
// packet (fixed header included); a larger one is an error as soon as its
// length is known, before its body arrives. `level` is the connection's
// protocol version; a CONNECT names its own, whatever `level` says.
DecodeResult decode(std::span<const uint8_t> in, size_t max_packet_size,
                    ProtocolLevel level = ProtocolLevel::V311);

// Appends the wire form of `p` for a `level` connection to `out`. As in
// decode(), a CONNECT is written for its own `level` field.
void encode(const Packet& p, std::string& out, ProtocolLevel level = ProtocolLevel::V311);
void encode(const PublishView& p, std::string& out, ProtocolLevel level = ProtocolLevel::V311);

// A PUBLISH's properties alone, as a 5.0 property block (length first), for
// keeping a message outside a packet (the store). Empty for null props.
std::string encode_property_block(const Props& props);
// The reverse: `in` must be exactly one block that a PUBLISH could carry.
DecodeError decode_property_block(std::span<const uint8_t> in, Props& out);

// The encoded size of `p`; what encode() would append.
size_t encoded_size(const Packet& p, ProtocolLevel level = ProtocolLevel::V311);
size_t encoded_size(const PublishView& p, ProtocolLevel level = ProtocolLevel::V311);

}  // namespace edgemq::mqtt
