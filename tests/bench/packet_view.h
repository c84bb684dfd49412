// The few facts edgemq-bench needs from a packet the broker sent, read in place
// without copying: its type, packet id, and for PUBLISH the QoS, topic and
// payload. The gateway's full decoder (protocols/mqtt/codec.h) validates every
// rule and allocates strings; a load generator reading a million messages a
// second only needs bounds-checked views, so its CPU stays off the broker's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/mqtt/packet.h"

namespace edgemq::bench {

struct PacketView {
  mqtt::PacketType type = mqtt::PacketType::Connect;  // as the fixed header says, unchecked
  uint8_t flags = 0;  // low nibble of the first byte
  uint16_t packet_id = 0;
  uint8_t qos = 0;               // PUBLISH
  std::string_view topic;        // PUBLISH
  std::string_view payload;      // PUBLISH
  uint8_t first_body_byte = 0;   // CONNACK: session present; SUBACK: first return code
  uint8_t second_body_byte = 0;  // CONNACK: return code
};

enum class FrameStatus : uint8_t { Packet, NeedMore, Malformed };

// Reads the packet at the front of `in`; on Packet, `consumed` is its size.
FrameStatus read_packet(std::string_view in, PacketView& out, size_t& consumed);

}  // namespace edgemq::bench
