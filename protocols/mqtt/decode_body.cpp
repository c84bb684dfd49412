// Packet bodies [MQTT-3]: the variable header and payload of each type. The
// caller hands over exactly the remaining length, so running out of bytes
// here means a length inside the body ran past it (Truncated).
#include "protocols/mqtt/decode_body.h"

#include <string>
#include <string_view>
#include <utility>

#include "protocols/mqtt/byte_reader.h"
#include "protocols/mqtt/topic.h"

namespace edgemq::mqtt {

namespace {

constexpr DecodeError kOk = DecodeError::None;

// CONNECT flag bits [MQTT-3.1.2.3].
constexpr uint8_t kReservedFlag = 0x01;
constexpr uint8_t kCleanSession = 0x02;
constexpr uint8_t kWillFlag = 0x04;
constexpr uint8_t kWillRetain = 0x20;
constexpr uint8_t kPasswordFlag = 0x40;
constexpr uint8_t kUsernameFlag = 0x80;

DecodeError read_utf8(ByteReader& r, std::string& out) {
  std::string_view v;
  if (!r.prefixed(v)) return DecodeError::Truncated;
  if (!valid_utf8(v)) return DecodeError::MalformedUtf8;  // [MQTT-1.5.3-1/2]
  out.assign(v);
  return kOk;
}

// Password and will payload are binary data, not strings [MQTT-3.1.3].
DecodeError read_binary(ByteReader& r, std::string& out) {
  std::string_view v;
  if (!r.prefixed(v)) return DecodeError::Truncated;
  out.assign(v);
  return kOk;
}

DecodeError read_packet_id(ByteReader& r, uint16_t& id) {
  if (!r.u16(id)) return DecodeError::Truncated;
  return id == 0 ? DecodeError::ZeroPacketId : kOk;  // [MQTT-2.3.1-1]
}

DecodeError expect_end(const ByteReader& r) {
  return r.empty() ? kOk : DecodeError::TrailingBytes;
}

// "MQTT" level 4 is 3.1.1 and "MQIsdp" level 3 is 3.1. A known name with any
// other level (MQTT 5 included, for now) is UnsupportedProtocolLevel so the
// session can answer CONNACK 0x01 [MQTT-3.1.2-2]; other names are not MQTT
// at all [MQTT-3.1.2-1].
DecodeError read_protocol(ByteReader& r, ProtocolLevel& level) {
  std::string_view name;
  if (!r.prefixed(name)) return DecodeError::Truncated;
  const bool v311 = name == "MQTT";
  if (!v311 && name != "MQIsdp") return DecodeError::BadProtocolName;
  uint8_t byte = 0;
  if (!r.u8(byte)) return DecodeError::Truncated;
  const ProtocolLevel expected = v311 ? ProtocolLevel::V311 : ProtocolLevel::V31;
  if (byte != static_cast<uint8_t>(expected)) return DecodeError::UnsupportedProtocolLevel;
  level = expected;
  return kOk;
}

DecodeError check_connect_flags(uint8_t flags) {
  if (flags & kReservedFlag) return DecodeError::ReservedConnectFlag;  // [MQTT-3.1.2-3]
  const uint8_t will_qos = (flags >> 3) & 0x03;
  if (!(flags & kWillFlag) && (will_qos != 0 || (flags & kWillRetain))) {
    return DecodeError::BadWillFlags;  // [MQTT-3.1.2-11/13/15]
  }
  if (will_qos == 3) return DecodeError::BadWillFlags;  // [MQTT-3.1.2-14]
  if ((flags & kPasswordFlag) && !(flags & kUsernameFlag)) {
    return DecodeError::BadUsernamePasswordFlags;  // [MQTT-3.1.2-22]
  }
  return kOk;
}

DecodeError read_will(ByteReader& r, uint8_t flags, Will& will) {
  will.qos = (flags >> 3) & 0x03;
  will.retain = (flags & kWillRetain) != 0;
  if (DecodeError e = read_utf8(r, will.topic); e != kOk) return e;  // [MQTT-3.1.3-10]
  if (!valid_topic_name(will.topic)) return DecodeError::InvalidTopicName;
  return read_binary(r, will.payload);
}

// Payload order: client id, will topic, will message, username, password,
// each present only when its flag says so [MQTT-3.1.3-1].
DecodeError read_connect_payload(ByteReader& r, uint8_t flags, Connect& c) {
  if (DecodeError e = read_utf8(r, c.client_id); e != kOk) return e;  // [MQTT-3.1.3-4]
  if (flags & kWillFlag) {
    if (DecodeError e = read_will(r, flags, c.will.emplace()); e != kOk) return e;
  }
  if (flags & kUsernameFlag) {
    if (DecodeError e = read_utf8(r, c.username.emplace()); e != kOk) return e;  // [MQTT-3.1.3-11]
  }
  if (flags & kPasswordFlag) {
    if (DecodeError e = read_binary(r, c.password.emplace()); e != kOk) return e;
  }
  return expect_end(r);
}

DecodeError decode_connect(ByteReader& r, Packet& out) {
  Connect c;
  if (DecodeError e = read_protocol(r, c.level); e != kOk) return e;
  uint8_t flags = 0;
  if (!r.u8(flags)) return DecodeError::Truncated;
  if (DecodeError e = check_connect_flags(flags); e != kOk) return e;
  c.clean_session = (flags & kCleanSession) != 0;
  if (!r.u16(c.keep_alive)) return DecodeError::Truncated;
  if (DecodeError e = read_connect_payload(r, flags, c); e != kOk) return e;
  out = std::move(c);
  return kOk;
}

// The remaining length is exactly 2 here (checked from the fixed header).
DecodeError decode_connack(ByteReader& r, Packet& out) {
  uint8_t ack_flags = 0;
  uint8_t code = 0;
  if (!r.u8(ack_flags) || !r.u8(code)) return DecodeError::Truncated;
  if (ack_flags & 0xFE) return DecodeError::BadConnackFlags;  // bits 7-1 reserved [3.2.2.1]
  // Return codes 6..255 are reserved [3.2.2.3] but kept as-is: refusing them is
  // the client's decision, and the test tools want to see what was sent.
  out = Connack{(ack_flags & 0x01) != 0, static_cast<ConnackCode>(code)};
  return expect_end(r);
}

DecodeError decode_publish(ByteReader& r, uint8_t flags, Packet& out) {
  Publish p;
  p.dup = (flags & 0x08) != 0;
  p.qos = (flags >> 1) & 0x03;
  p.retain = (flags & 0x01) != 0;
  if (DecodeError e = read_utf8(r, p.topic); e != kOk) return e;     // [MQTT-3.3.2-1]
  if (!valid_topic_name(p.topic)) return DecodeError::InvalidTopicName;  // [MQTT-3.3.2-2]
  // A packet id is present only for QoS 1 and 2 [MQTT-2.3.1-5].
  if (p.qos > 0) {
    if (DecodeError e = read_packet_id(r, p.packet_id); e != kOk) return e;
  }
  p.payload.assign(r.rest());  // may be empty [3.3.3]
  out = std::move(p);
  return kOk;
}

template <PacketType T>
DecodeError decode_id_only(ByteReader& r, Packet& out) {
  IdOnly<T> p;
  if (DecodeError e = read_packet_id(r, p.packet_id); e != kOk) return e;
  out = p;
  return expect_end(r);
}

// Requested QoS byte: bits 7-2 reserved, QoS 0..2 [MQTT-3-8.3-4].
DecodeError read_requested_qos(ByteReader& r, uint8_t& qos) {
  if (!r.u8(qos)) return DecodeError::Truncated;
  if (qos & 0xFC) return DecodeError::ReservedSubscribeBits;
  return qos == 3 ? DecodeError::InvalidQos : kOk;
}

DecodeError read_filter(ByteReader& r, std::string& filter) {
  if (DecodeError e = read_utf8(r, filter); e != kOk) return e;  // [MQTT-3.8.3-1, 3.10.3-1]
  return valid_topic_filter(filter) ? kOk : DecodeError::InvalidTopicFilter;
}

DecodeError decode_subscribe(ByteReader& r, Packet& out) {
  Subscribe s;
  if (DecodeError e = read_packet_id(r, s.packet_id); e != kOk) return e;
  while (!r.empty()) {
    Subscription& sub = s.subscriptions.emplace_back();
    if (DecodeError e = read_filter(r, sub.filter); e != kOk) return e;
    if (DecodeError e = read_requested_qos(r, sub.qos); e != kOk) return e;
  }
  if (s.subscriptions.empty()) return DecodeError::EmptySubscribe;  // [MQTT-3.8.3-3]
  out = std::move(s);
  return kOk;
}

// SUBACK return codes: 0x00..0x02 or 0x80; others are reserved [MQTT-3.9.3-2].
// The list cannot be empty: there is one code per requested filter, and a
// SUBSCRIBE has at least one, so a bare packet id means the codes are missing.
DecodeError decode_suback(ByteReader& r, Packet& out) {
  Suback s;
  if (DecodeError e = read_packet_id(r, s.packet_id); e != kOk) return e;
  if (r.empty()) return DecodeError::Truncated;
  uint8_t code = 0;
  while (r.u8(code)) {
    if (code > 2 && code != kSubackFailure) return DecodeError::InvalidQos;
    s.return_codes.push_back(code);
  }
  out = std::move(s);
  return kOk;
}

DecodeError decode_unsubscribe(ByteReader& r, Packet& out) {
  Unsubscribe u;
  if (DecodeError e = read_packet_id(r, u.packet_id); e != kOk) return e;
  while (!r.empty()) {
    if (DecodeError e = read_filter(r, u.filters.emplace_back()); e != kOk) return e;
  }
  if (u.filters.empty()) return DecodeError::EmptySubscribe;  // [MQTT-3.10.3-2]
  out = std::move(u);
  return kOk;
}

}  // namespace

DecodeError decode_body(PacketType type, uint8_t flags, std::span<const uint8_t> body,
                        Packet& out) {
  ByteReader r(body);
  switch (type) {
    case PacketType::Connect: return decode_connect(r, out);
    case PacketType::Connack: return decode_connack(r, out);
    case PacketType::Publish: return decode_publish(r, flags, out);
    case PacketType::Puback: return decode_id_only<PacketType::Puback>(r, out);
    case PacketType::Pubrec: return decode_id_only<PacketType::Pubrec>(r, out);
    case PacketType::Pubrel: return decode_id_only<PacketType::Pubrel>(r, out);
    case PacketType::Pubcomp: return decode_id_only<PacketType::Pubcomp>(r, out);
    case PacketType::Subscribe: return decode_subscribe(r, out);
    case PacketType::Suback: return decode_suback(r, out);
    case PacketType::Unsubscribe: return decode_unsubscribe(r, out);
    case PacketType::Unsuback: return decode_id_only<PacketType::Unsuback>(r, out);
    case PacketType::Pingreq: out = Pingreq{}; return expect_end(r);
    case PacketType::Pingresp: out = Pingresp{}; return expect_end(r);
    case PacketType::Disconnect: out = Disconnect{}; return expect_end(r);
  }
  return DecodeError::ReservedPacketType;  // unreachable: types 0 and 15 stop earlier
}

}  // namespace edgemq::mqtt
