// Internal to the encoder: the PUBLISH body [MQTT-3.3], written from a
// PublishView so that encode(Publish) and the delivery path's
// encode(PublishView) are one code path and cannot produce different bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "protocols/mqtt/packet.h"

namespace edgemq::mqtt {

// Borrows the fields of `p`; valid while `p` is.
PublishView view_of(const Publish& p);

// Byte 0 of the fixed header: type 3, DUP, QoS, RETAIN [MQTT-3.3.1].
uint8_t publish_byte0(const PublishView& p);

// The length of the PUBLISH properties on a `level` connection: 0 in 3.1.1,
// which has none.
size_t publish_properties_length(const PublishView& p, ProtocolLevel level);

// The body, given publish_properties_length(p, level) as `props_length`.
size_t publish_body_size(const PublishView& p, ProtocolLevel level, size_t props_length);
void put_publish_body(std::string& out, const PublishView& p, ProtocolLevel level,
                      size_t props_length);

}  // namespace edgemq::mqtt
