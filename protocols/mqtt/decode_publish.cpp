// PUBLISH [MQTT-3.3]: topic, packet id when QoS > 0, 5.0 properties, payload.
#include <utility>

#include "protocols/mqtt/field_reader.h"
#include "protocols/mqtt/packet_decoders.h"
#include "protocols/mqtt/property_reader.h"
#include "protocols/mqtt/topic.h"

namespace edgemq::mqtt {

DecodeError decode_publish(ByteReader& r, uint8_t flags, ProtocolLevel level, Packet& out) {
  Publish p;
  p.dup = (flags & 0x08) != 0;
  p.qos = (flags >> 1) & 0x03;
  p.retain = (flags & 0x01) != 0;
  if (DecodeError e = read_name(r, p.topic); e != kOk) return e;  // [MQTT-3.3.2-1]
  // A 5.0 topic may be empty when a topic alias stands for it, which only
  // the properties, further on, can tell [3.3.2.3.4].
  const bool alias_may_stand_in = is_v5(level) && p.topic.empty();
  if (!alias_may_stand_in && !valid_topic_name(p.topic)) {
    return DecodeError::InvalidTopicName;  // [MQTT-3.3.2-2]
  }
  // A packet id is present only for QoS 1 and 2 [MQTT-2.3.1-5].
  if (p.qos > 0) {
    if (DecodeError e = read_packet_id(r, p.packet_id); e != kOk) return e;
  }
  if (is_v5(level)) {
    if (DecodeError e = read_properties(r, PropertyContext::Publish, p.props); e != kOk) return e;
    if (alias_may_stand_in && !p.props->topic_alias) return DecodeError::InvalidTopicName;
  }
  p.payload.assign(r.rest());  // may be empty [3.3.3]
  if (DecodeError e = check_payload_format(p.props.get(), p.payload); e != kOk) return e;
  out = std::move(p);
  return kOk;
}

}  // namespace edgemq::mqtt
