// PUBLISH to wire bytes, the delivery hot path: a PublishView borrows topic,
// payload and properties, and they are appended straight to the output with
// one reservation for the whole packet.
#include "protocols/mqtt/codec.h"
#include "protocols/mqtt/property_writer.h"
#include "protocols/mqtt/publish_encoding.h"
#include "protocols/mqtt/wire_writer.h"

namespace edgemq::mqtt {

PublishView view_of(const Publish& p) {
  return PublishView{p.dup, p.qos, p.retain, p.topic, p.packet_id, p.payload,
                     properties_of(p.props)};
}

uint8_t publish_byte0(const PublishView& p) {
  return static_cast<uint8_t>((static_cast<uint8_t>(PacketType::Publish) << 4) |
                              (p.dup ? 0x08 : 0) | ((p.qos & 0x03) << 1) | (p.retain ? 0x01 : 0));
}

size_t publish_properties_length(const PublishView& p, ProtocolLevel level) {
  return level == ProtocolLevel::V5 ? properties_length(p.props) : 0;
}

size_t publish_body_size(const PublishView& p, ProtocolLevel level, size_t props_length) {
  size_t n = prefixed_size(p.topic) + (p.qos > 0 ? 2 : 0) + p.payload.size();
  // 5.0 always carries the property length, 0 when there are none [3.3.2.3].
  if (level == ProtocolLevel::V5) n += property_block_size(props_length);
  return n;
}

void put_publish_body(std::string& out, const PublishView& p, ProtocolLevel level,
                      size_t props_length) {
  put_prefixed(out, p.topic);
  if (p.qos > 0) put_u16(out, p.packet_id);  // [MQTT-2.3.1-5]
  if (level == ProtocolLevel::V5) put_property_block(out, p.props, props_length);
  out.append(p.payload);
}

size_t encoded_size(const PublishView& p, ProtocolLevel level) {
  return packet_size(publish_body_size(p, level, publish_properties_length(p, level)));
}

void encode(const PublishView& p, std::string& out, ProtocolLevel level) {
  const size_t props_length = publish_properties_length(p, level);
  const size_t body = publish_body_size(p, level, props_length);
  reserve_for(out, packet_size(body));
  put_fixed_header(out, publish_byte0(p), body);
  put_publish_body(out, p, level, props_length);
}

}  // namespace edgemq::mqtt
