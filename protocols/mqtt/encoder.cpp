// Packets to wire bytes [MQTT-2, 3]. Each packet type has a body size and a
// body writer; encoded_size() and encode() share the size functions so they
// cannot drift apart. The encoder trusts its input: strings and binary fields
// fit their two-byte length prefix and the body fits a four-byte remaining
// length (asserted in debug builds). Producing a packet the decoder would
// refuse (e.g. a zero packet id) is allowed, so tests can build bad input.
#include <algorithm>
#include <cassert>
#include <string_view>

#include "protocols/mqtt/codec.h"

namespace edgemq::mqtt {

namespace {

// Four length bytes [MQTT-2.2.3]; both limits are only asserted.
[[maybe_unused]] constexpr size_t kMaxRemainingLength = 268'435'455;
[[maybe_unused]] constexpr size_t kMaxFieldBytes = 65535;

// ---- sizes -----------------------------------------------------------------

size_t prefixed_size(std::string_view s) { return 2 + s.size(); }

size_t length_bytes(size_t remaining) {
  size_t n = 1;
  while (remaining >= 128) {
    remaining >>= 7;
    ++n;
  }
  return n;
}

// "MQTT" level 4 (and 5: the test tools send it to provoke CONNACK 0x01) or
// "MQIsdp" level 3 [MQTT-3.1.2.1].
std::string_view protocol_name(ProtocolLevel level) {
  return level == ProtocolLevel::V31 ? "MQIsdp" : "MQTT";
}

size_t body_size(const Connect& c) {
  size_t n = prefixed_size(protocol_name(c.level)) + 1 + 1 + 2;  // name, level, flags, keep-alive
  n += prefixed_size(c.client_id);
  if (c.will) n += prefixed_size(c.will->topic) + prefixed_size(c.will->payload);
  if (c.username) n += prefixed_size(*c.username);
  if (c.password) n += prefixed_size(*c.password);
  return n;
}
size_t body_size(const Connack&) { return 2; }
size_t body_size(const Publish& p) {
  return prefixed_size(p.topic) + (p.qos > 0 ? 2 : 0) + p.payload.size();
}
template <PacketType T>
size_t body_size(const IdOnly<T>&) { return 2; }
size_t body_size(const Subscribe& s) {
  size_t n = 2;
  for (const Subscription& sub : s.subscriptions) n += prefixed_size(sub.filter) + 1;
  return n;
}
size_t body_size(const Suback& s) { return 2 + s.return_codes.size(); }
size_t body_size(const Unsubscribe& u) {
  size_t n = 2;
  for (const std::string& f : u.filters) n += prefixed_size(f);
  return n;
}
size_t body_size(const Pingreq&) { return 0; }
size_t body_size(const Pingresp&) { return 0; }
size_t body_size(const Disconnect&) { return 0; }

size_t body_size_of(const Packet& p) {
  return std::visit([](const auto& v) { return body_size(v); }, p);
}

// ---- fixed header ----------------------------------------------------------

uint8_t flags_of(const Packet& p) {
  if (const auto* pub = std::get_if<Publish>(&p)) {
    return static_cast<uint8_t>((pub->dup ? 0x08 : 0) | ((pub->qos & 0x03) << 1) |
                                (pub->retain ? 0x01 : 0));
  }
  switch (type_of(p)) {
    case PacketType::Pubrel:
    case PacketType::Subscribe:
    case PacketType::Unsubscribe:
      return 0x02;  // [MQTT-3.6.1-1, 3.8.1-1, 3.10.1-1]
    default:
      return 0x00;
  }
}

void put_u8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

void put_u16(std::string& out, uint16_t v) {
  put_u8(out, static_cast<uint8_t>(v >> 8));
  put_u8(out, static_cast<uint8_t>(v & 0xFF));
}

void put_prefixed(std::string& out, std::string_view s) {
  assert(s.size() <= kMaxFieldBytes);
  put_u16(out, static_cast<uint16_t>(s.size()));
  out.append(s);
}

void put_remaining_length(std::string& out, size_t remaining) {
  assert(remaining <= kMaxRemainingLength);
  do {
    auto b = static_cast<uint8_t>(remaining & 0x7F);
    remaining >>= 7;
    if (remaining > 0) b |= 0x80;
    put_u8(out, b);
  } while (remaining > 0);
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

void write_body(const Connect& c, std::string& out) {
  put_prefixed(out, protocol_name(c.level));
  put_u8(out, static_cast<uint8_t>(c.level));
  put_u8(out, connect_flags(c));
  put_u16(out, c.keep_alive);
  put_prefixed(out, c.client_id);
  if (c.will) {
    put_prefixed(out, c.will->topic);
    put_prefixed(out, c.will->payload);
  }
  if (c.username) put_prefixed(out, *c.username);
  if (c.password) put_prefixed(out, *c.password);
}
void write_body(const Connack& c, std::string& out) {
  put_u8(out, c.session_present ? 0x01 : 0x00);
  put_u8(out, static_cast<uint8_t>(c.code));
}
void write_body(const Publish& p, std::string& out) {
  put_prefixed(out, p.topic);
  if (p.qos > 0) put_u16(out, p.packet_id);
  out.append(p.payload);
}
template <PacketType T>
void write_body(const IdOnly<T>& p, std::string& out) { put_u16(out, p.packet_id); }
void write_body(const Subscribe& s, std::string& out) {
  put_u16(out, s.packet_id);
  for (const Subscription& sub : s.subscriptions) {
    put_prefixed(out, sub.filter);
    put_u8(out, sub.qos);
  }
}
void write_body(const Suback& s, std::string& out) {
  put_u16(out, s.packet_id);
  for (uint8_t code : s.return_codes) put_u8(out, code);
}
void write_body(const Unsubscribe& u, std::string& out) {
  put_u16(out, u.packet_id);
  for (const std::string& f : u.filters) put_prefixed(out, f);
}
void write_body(const Pingreq&, std::string&) {}
void write_body(const Pingresp&, std::string&) {}
void write_body(const Disconnect&, std::string&) {}

}  // namespace

size_t encoded_size(const Packet& p) {
  const size_t body = body_size_of(p);
  return 1 + length_bytes(body) + body;
}

void encode(const Packet& p, std::string& out) {
  const size_t body = body_size_of(p);
  // Grow geometrically: callers append many packets to one output buffer.
  const size_t need = out.size() + 1 + length_bytes(body) + body;
  if (need > out.capacity()) out.reserve(std::max(need, 2 * out.capacity()));
  put_u8(out, static_cast<uint8_t>((static_cast<uint8_t>(type_of(p)) << 4) | flags_of(p)));
  put_remaining_length(out, body);
  std::visit([&out](const auto& v) { write_body(v, out); }, p);
}

}  // namespace edgemq::mqtt
