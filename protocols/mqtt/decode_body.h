// Internal to the codec: parsing one packet body once the fixed header has
// been checked and the whole packet is in memory (see decoder.cpp).
#pragma once

#include <cstdint>
#include <span>

#include "protocols/mqtt/codec.h"
#include "protocols/mqtt/packet.h"

namespace edgemq::mqtt {

// Parses the `body` (exactly the remaining length) of a packet of `type`
// whose fixed-header flags are `flags`, already checked for the type, on a
// `level` connection. Returns DecodeError::None and sets `out`, or names the
// broken rule.
DecodeError decode_body(PacketType type, uint8_t flags, std::span<const uint8_t> body,
                        ProtocolLevel level, Packet& out);

}  // namespace edgemq::mqtt
