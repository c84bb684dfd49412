// One walk over the fields (each_property) serves both the size and the
// bytes, so properties_length() and put_property_block() cannot disagree.
#include "protocols/mqtt/property_writer.h"

#include <cassert>
#include <cstdint>
#include <string_view>

#include "protocols/mqtt/variable_byte_integer.h"
#include "protocols/mqtt/wire_writer.h"

namespace edgemq::mqtt {

namespace {

uint8_t id_byte(PropertyId id) { return static_cast<uint8_t>(id); }

// Calls `sink` once per property set in `p`, in ascending identifier order:
// the order of the fields in Properties.
template <class Sink>
void each_property(const Properties& p, Sink& sink) {
  using Id = PropertyId;
  if (p.payload_format) sink.byte(Id::PayloadFormat, *p.payload_format);
  if (p.message_expiry) sink.four(Id::MessageExpiry, *p.message_expiry);
  if (p.content_type) sink.text(Id::ContentType, *p.content_type);
  if (p.response_topic) sink.text(Id::ResponseTopic, *p.response_topic);
  if (p.correlation_data) sink.text(Id::CorrelationData, *p.correlation_data);
  for (uint32_t sub_id : p.subscription_ids) sink.vbi(Id::SubscriptionId, sub_id);
  if (p.session_expiry) sink.four(Id::SessionExpiry, *p.session_expiry);
  if (p.assigned_client_id) sink.text(Id::AssignedClientId, *p.assigned_client_id);
  if (p.server_keep_alive) sink.two(Id::ServerKeepAlive, *p.server_keep_alive);
  if (p.auth_method) sink.text(Id::AuthMethod, *p.auth_method);
  if (p.auth_data) sink.text(Id::AuthData, *p.auth_data);
  if (p.request_problem_info) sink.byte(Id::RequestProblemInfo, *p.request_problem_info);
  if (p.will_delay) sink.four(Id::WillDelay, *p.will_delay);
  if (p.request_response_info) sink.byte(Id::RequestResponseInfo, *p.request_response_info);
  if (p.response_info) sink.text(Id::ResponseInfo, *p.response_info);
  if (p.server_reference) sink.text(Id::ServerReference, *p.server_reference);
  if (p.reason_string) sink.text(Id::ReasonString, *p.reason_string);
  if (p.receive_maximum) sink.two(Id::ReceiveMaximum, *p.receive_maximum);
  if (p.topic_alias_maximum) sink.two(Id::TopicAliasMaximum, *p.topic_alias_maximum);
  if (p.topic_alias) sink.two(Id::TopicAlias, *p.topic_alias);
  if (p.maximum_qos) sink.byte(Id::MaximumQos, *p.maximum_qos);
  if (p.retain_available) sink.byte(Id::RetainAvailable, *p.retain_available);
  for (const auto& [name, value] : p.user_properties) sink.pair(Id::UserProperty, name, value);
  if (p.maximum_packet_size) sink.four(Id::MaximumPacketSize, *p.maximum_packet_size);
  if (p.wildcard_sub_available) sink.byte(Id::WildcardSubAvailable, *p.wildcard_sub_available);
  if (p.sub_id_available) sink.byte(Id::SubIdAvailable, *p.sub_id_available);
  if (p.shared_sub_available) sink.byte(Id::SharedSubAvailable, *p.shared_sub_available);
}

// Every identifier is one byte on the wire [MQTT-2.2.2.2].
struct SizeSink {
  size_t n = 0;
  void byte(PropertyId, uint8_t) { n += 1 + 1; }
  void two(PropertyId, uint16_t) { n += 1 + 2; }
  void four(PropertyId, uint32_t) { n += 1 + 4; }
  void vbi(PropertyId, uint32_t v) { n += 1 + variable_byte_integer_size(v); }
  void text(PropertyId, std::string_view s) { n += 1 + prefixed_size(s); }
  void pair(PropertyId, std::string_view a, std::string_view b) {
    n += 1 + prefixed_size(a) + prefixed_size(b);
  }
};

struct WriteSink {
  std::string& out;
  void byte(PropertyId id, uint8_t v) { put_u8(out, id_byte(id)); put_u8(out, v); }
  void two(PropertyId id, uint16_t v) { put_u8(out, id_byte(id)); put_u16(out, v); }
  void four(PropertyId id, uint32_t v) { put_u8(out, id_byte(id)); put_u32(out, v); }
  void vbi(PropertyId id, uint32_t v) {
    put_u8(out, id_byte(id));
    put_variable_byte_integer(out, v);
  }
  void text(PropertyId id, std::string_view s) {
    put_u8(out, id_byte(id));
    put_prefixed(out, s);
  }
  void pair(PropertyId id, std::string_view a, std::string_view b) {
    put_u8(out, id_byte(id));
    put_prefixed(out, a);
    put_prefixed(out, b);
  }
};

}  // namespace

size_t properties_length(const Properties* p) {
  if (!p) return 0;
  SizeSink sink;
  each_property(*p, sink);
  return sink.n;
}

size_t property_block_size(size_t length) {
  return variable_byte_integer_size(static_cast<uint32_t>(length)) + length;
}

void put_property_block(std::string& out, const Properties* p, size_t length) {
  assert(length == properties_length(p));
  put_variable_byte_integer(out, static_cast<uint32_t>(length));
  if (!p || length == 0) return;
  WriteSink sink{out};
  each_property(*p, sink);
}

}  // namespace edgemq::mqtt
