// Packets to wire bytes [MQTT-2, 3]. Each packet type has a body size and a
// body writer; encoded_size() and encode() share the size functions so they
// cannot drift apart. PUBLISH bodies live in encode_publish.cpp, shared with
// encode(PublishView).
//
// The encoder trusts its input: strings and binary fields fit their two-byte
// length prefix and the body fits a four-byte remaining length (asserted in
// debug builds). Producing a packet the decoder would refuse (e.g. a zero
// packet id, a property a packet may not carry) is allowed, so tests can
// build bad input. On a 3.1.1 connection every 5.0-only field is left out;
// on a 5.0 one the optional tails take their shortest form. A CONNECT is
// written for its own `level`, as it is read, and AUTH, which only 5.0 has,
// always in its 5.0 form.
#include <string_view>
#include <variant>

#include "protocols/mqtt/codec.h"
#include "protocols/mqtt/property_writer.h"
#include "protocols/mqtt/publish_encoding.h"
#include "protocols/mqtt/wire_writer.h"

namespace edgemq::mqtt {

namespace {

bool is_v5(ProtocolLevel level) { return level == ProtocolLevel::V5; }

// ---- properties ------------------------------------------------------------

size_t block_size(const Props& props) {
  return property_block_size(properties_length(properties_of(props)));
}
void put_block(std::string& out, const Props& props) {
  const Properties* p = properties_of(props);
  put_property_block(out, p, properties_length(p));
}

// The 5.0 tail of PUBACK..PUBCOMP [3.4.2.1] and DISCONNECT [3.14.2.1]:
// nothing for success without properties, the reason code alone without
// properties, else the code and the property block.
size_t reason_tail_size(uint8_t code, const Props& props) {
  const size_t length = properties_length(properties_of(props));
  if (length == 0) return code == reason::kSuccess ? 0 : 1;
  return 1 + property_block_size(length);
}
void put_reason_tail(std::string& out, uint8_t code, const Props& props) {
  const Properties* p = properties_of(props);
  const size_t length = properties_length(p);
  if (length == 0 && code == reason::kSuccess) return;
  put_u8(out, code);
  if (length > 0) put_property_block(out, p, length);
}

// ---- sizes -----------------------------------------------------------------

// "MQTT" for 3.1.1 and 5.0, "MQIsdp" for 3.1 [MQTT-3.1.2.1].
std::string_view protocol_name(ProtocolLevel level) {
  return level == ProtocolLevel::V31 ? "MQIsdp" : "MQTT";
}

size_t body_size(const Connect& c, ProtocolLevel) {
  const bool v5 = is_v5(c.level);
  size_t n = prefixed_size(protocol_name(c.level)) + 1 + 1 + 2;  // name, level, flags, keep-alive
  if (v5) n += block_size(c.props);
  n += prefixed_size(c.client_id);
  if (c.will) {
    if (v5) n += block_size(c.will->props);
    n += prefixed_size(c.will->topic) + prefixed_size(c.will->payload);
  }
  if (c.username) n += prefixed_size(*c.username);
  if (c.password) n += prefixed_size(*c.password);
  return n;
}
size_t body_size(const Connack& c, ProtocolLevel level) {
  return 2 + (is_v5(level) ? block_size(c.props) : 0);
}
size_t body_size(const Publish& p, ProtocolLevel level) {
  const PublishView v = view_of(p);
  return publish_body_size(v, level, publish_properties_length(v, level));
}
template <PacketType T>
size_t body_size(const Ack<T>& a, ProtocolLevel level) {
  return 2 + (is_v5(level) ? reason_tail_size(a.reason_code, a.props) : 0);
}
size_t body_size(const Subscribe& s, ProtocolLevel level) {
  size_t n = 2 + (is_v5(level) ? block_size(s.props) : 0);
  for (const Subscription& sub : s.subscriptions) n += prefixed_size(sub.filter) + 1;
  return n;
}
size_t body_size(const Suback& s, ProtocolLevel level) {
  return 2 + (is_v5(level) ? block_size(s.props) : 0) + s.return_codes.size();
}
size_t body_size(const Unsubscribe& u, ProtocolLevel level) {
  size_t n = 2 + (is_v5(level) ? block_size(u.props) : 0);
  for (const std::string& f : u.filters) n += prefixed_size(f);
  return n;
}
size_t body_size(const Unsuback& u, ProtocolLevel level) {
  return 2 + (is_v5(level) ? block_size(u.props) + u.reason_codes.size() : 0);
}
size_t body_size(const Pingreq&, ProtocolLevel) { return 0; }
size_t body_size(const Pingresp&, ProtocolLevel) { return 0; }
size_t body_size(const Disconnect& d, ProtocolLevel level) {
  return is_v5(level) ? reason_tail_size(d.reason_code, d.props) : 0;
}
// Unlike DISCONNECT, AUTH has no reason-code-only form [3.15.2.1].
size_t body_size(const Auth& a, ProtocolLevel) {
  if (a.reason_code == reason::kSuccess && properties_length(properties_of(a.props)) == 0) return 0;
  return 1 + block_size(a.props);
}

size_t body_size_of(const Packet& p, ProtocolLevel level) {
  return std::visit([level](const auto& v) { return body_size(v, level); }, p);
}

// ---- fixed header ----------------------------------------------------------

uint8_t byte0_of(const Packet& p) {
  if (const auto* pub = std::get_if<Publish>(&p)) return publish_byte0(view_of(*pub));
  const auto type = static_cast<uint8_t>(static_cast<uint8_t>(type_of(p)) << 4);
  switch (type_of(p)) {
    case PacketType::Pubrel:
    case PacketType::Subscribe:
    case PacketType::Unsubscribe:
      return type | 0x02;  // [MQTT-3.6.1-1, 3.8.1-1, 3.10.1-1]
    default:
      return type;
  }
}

// ---- bodies ----------------------------------------------------------------

uint8_t connect_flags(const Connect& c) {
  uint8_t f = c.clean_session ? 0x02 : 0x00;
  if (c.will) {
    f |= 0x04;
    f |= static_cast<uint8_t>((c.will->qos & 0x03) << 3);
    if (c.will->retain) f |= 0x20;
  }
  if (c.password) f |= 0x40;
  if (c.username) f |= 0x80;
  return f;
}

// 3.1.1 has only the QoS; 5.0 adds the options of [3.8.3.1].
uint8_t subscription_options(const Subscription& sub, ProtocolLevel level) {
  if (!is_v5(level)) return sub.qos;
  return static_cast<uint8_t>((sub.qos & 0x03) | (sub.no_local ? 0x04 : 0) |
                              (sub.retain_as_published ? 0x08 : 0) |
                              ((static_cast<uint8_t>(sub.retain_handling) & 0x03) << 4));
}

void write_body(const Connect& c, ProtocolLevel, std::string& out) {
  const bool v5 = is_v5(c.level);
  put_prefixed(out, protocol_name(c.level));
  put_u8(out, static_cast<uint8_t>(c.level));
  put_u8(out, connect_flags(c));
  put_u16(out, c.keep_alive);
  if (v5) put_block(out, c.props);
  put_prefixed(out, c.client_id);
  if (c.will) {
    if (v5) put_block(out, c.will->props);  // before the will topic [MQTT-3.1.3.2]
    put_prefixed(out, c.will->topic);
    put_prefixed(out, c.will->payload);
  }
  if (c.username) put_prefixed(out, *c.username);
  if (c.password) put_prefixed(out, *c.password);
}
void write_body(const Connack& c, ProtocolLevel level, std::string& out) {
  put_u8(out, c.session_present ? 0x01 : 0x00);
  put_u8(out, static_cast<uint8_t>(c.code));
  if (is_v5(level)) put_block(out, c.props);
}
void write_body(const Publish& p, ProtocolLevel level, std::string& out) {
  const PublishView v = view_of(p);
  put_publish_body(out, v, level, publish_properties_length(v, level));
}
template <PacketType T>
void write_body(const Ack<T>& a, ProtocolLevel level, std::string& out) {
  put_u16(out, a.packet_id);
  if (is_v5(level)) put_reason_tail(out, a.reason_code, a.props);
}
void write_body(const Subscribe& s, ProtocolLevel level, std::string& out) {
  put_u16(out, s.packet_id);
  if (is_v5(level)) put_block(out, s.props);
  for (const Subscription& sub : s.subscriptions) {
    put_prefixed(out, sub.filter);
    put_u8(out, subscription_options(sub, level));
  }
}
void write_body(const Suback& s, ProtocolLevel level, std::string& out) {
  put_u16(out, s.packet_id);
  if (is_v5(level)) put_block(out, s.props);
  for (uint8_t code : s.return_codes) put_u8(out, code);
}
void write_body(const Unsubscribe& u, ProtocolLevel level, std::string& out) {
  put_u16(out, u.packet_id);
  if (is_v5(level)) put_block(out, u.props);
  for (const std::string& f : u.filters) put_prefixed(out, f);
}
void write_body(const Unsuback& u, ProtocolLevel level, std::string& out) {
  put_u16(out, u.packet_id);
  if (!is_v5(level)) return;  // 3.1.1 has no reason codes
  put_block(out, u.props);
  for (uint8_t code : u.reason_codes) put_u8(out, code);
}
void write_body(const Pingreq&, ProtocolLevel, std::string&) {}
void write_body(const Pingresp&, ProtocolLevel, std::string&) {}
void write_body(const Disconnect& d, ProtocolLevel level, std::string& out) {
  if (is_v5(level)) put_reason_tail(out, d.reason_code, d.props);
}
void write_body(const Auth& a, ProtocolLevel, std::string& out) {
  if (a.reason_code == reason::kSuccess && properties_length(properties_of(a.props)) == 0) return;
  put_u8(out, a.reason_code);
  put_block(out, a.props);
}

}  // namespace

size_t encoded_size(const Packet& p, ProtocolLevel level) {
  return packet_size(body_size_of(p, level));
}

void encode(const Packet& p, std::string& out, ProtocolLevel level) {
  const size_t body = body_size_of(p, level);
  reserve_for(out, packet_size(body));
  put_fixed_header(out, byte0_of(p), body);
  std::visit([&out, level](const auto& v) { write_body(v, level, out); }, p);
}

}  // namespace edgemq::mqtt
