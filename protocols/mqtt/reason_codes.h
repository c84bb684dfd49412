// Internal to the decoder: which 5.0 reason codes [MQTT-2.4] each packet type
// defines. A code outside its packet's list is DecodeError::InvalidReasonCode.
#pragma once

#include <cstdint>

#include "protocols/mqtt/packet.h"

namespace edgemq::mqtt {

// Whether `code` is one a 5.0 packet of `type` may carry. False for types
// without reason codes.
bool valid_reason_code(PacketType type, uint8_t code);

}  // namespace edgemq::mqtt
