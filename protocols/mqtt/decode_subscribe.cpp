// SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK [MQTT-3.8-3.11]: a packet id,
// 5.0 properties, then a list with at least one entry.
#include <string>
#include <utility>
#include <vector>

#include "protocols/mqtt/field_reader.h"
#include "protocols/mqtt/packet_decoders.h"
#include "protocols/mqtt/property_reader.h"
#include "protocols/mqtt/reason_codes.h"
#include "protocols/mqtt/topic.h"

namespace edgemq::mqtt {

namespace {

// 3.1.1 requested QoS byte: bits 7-2 reserved, QoS 0..2 [MQTT-3-8.3-4].
DecodeError read_requested_qos(ByteReader& r, uint8_t& qos) {
  if (!r.u8(qos)) return DecodeError::Truncated;
  if (qos & 0xFC) return DecodeError::ReservedSubscribeBits;
  return qos == 3 ? DecodeError::InvalidQos : kOk;
}

// 5.0 subscription options [3.8.3.1]: bits 0-1 maximum QoS, bit 2 no local,
// bit 3 retain as published, bits 4-5 retain handling, bits 6-7 reserved.
// Read after the filter, which decides whether no local is allowed.
DecodeError read_subscription_options(ByteReader& r, Subscription& sub) {
  uint8_t options = 0;
  if (!r.u8(options)) return DecodeError::Truncated;
  if (options & 0xC0) return DecodeError::ReservedSubscribeBits;  // [MQTT-3.8.3-5]
  sub.qos = options & 0x03;
  if (sub.qos == 3) return DecodeError::InvalidQos;  // [3.8.3.1]
  const uint8_t retain_handling = (options >> 4) & 0x03;
  if (retain_handling == 3) return DecodeError::InvalidRetainHandling;  // [3.8.3.1]
  sub.retain_handling = static_cast<RetainHandling>(retain_handling);
  sub.no_local = (options & 0x04) != 0;
  sub.retain_as_published = (options & 0x08) != 0;
  // A shared subscription would not deliver to its own publisher anyway, and
  // the spec forbids asking [MQTT-3.8.3-4].
  if (sub.no_local && is_shared_filter(sub.filter)) return DecodeError::SharedNoLocal;
  return kOk;
}

DecodeError read_filter(ByteReader& r, std::string& filter) {
  if (DecodeError e = read_name(r, filter); e != kOk) return e;  // [MQTT-3.8.3-1, 3.10.3-1]
  return valid_topic_filter(filter) ? kOk : DecodeError::InvalidTopicFilter;
}

// 5.0 SUBACK and UNSUBACK: one reason code per requested filter, so at least
// one; a packet that ends before any is missing them.
DecodeError read_reason_codes(ByteReader& r, PacketType type, std::vector<uint8_t>& codes) {
  if (r.empty()) return DecodeError::Truncated;
  uint8_t code = 0;
  while (r.u8(code)) {
    if (!valid_reason_code(type, code)) return DecodeError::InvalidReasonCode;
    codes.push_back(code);
  }
  return kOk;
}

}  // namespace

DecodeError decode_subscribe(ByteReader& r, ProtocolLevel level, Packet& out) {
  Subscribe s;
  if (DecodeError e = read_packet_id(r, s.packet_id); e != kOk) return e;
  if (is_v5(level)) {
    if (DecodeError e = read_properties(r, PropertyContext::Subscribe, s.props); e != kOk) return e;
  }
  while (!r.empty()) {
    Subscription& sub = s.subscriptions.emplace_back();
    if (DecodeError e = read_filter(r, sub.filter); e != kOk) return e;
    const DecodeError e =
        is_v5(level) ? read_subscription_options(r, sub) : read_requested_qos(r, sub.qos);
    if (e != kOk) return e;
  }
  if (s.subscriptions.empty()) return DecodeError::EmptySubscribe;  // [MQTT-3.8.3-3]
  out = std::move(s);
  return kOk;
}

// 3.1.1 SUBACK return codes: 0x00..0x02 or 0x80; others are reserved
// [MQTT-3.9.3-2]. The list cannot be empty: there is one code per requested
// filter, and a SUBSCRIBE has at least one, so a bare packet id means the
// codes are missing.
DecodeError decode_suback(ByteReader& r, ProtocolLevel level, Packet& out) {
  Suback s;
  if (DecodeError e = read_packet_id(r, s.packet_id); e != kOk) return e;
  if (is_v5(level)) {
    if (DecodeError e = read_properties(r, PropertyContext::Suback, s.props); e != kOk) return e;
    if (DecodeError e = read_reason_codes(r, PacketType::Suback, s.return_codes); e != kOk) {
      return e;
    }
  } else {
    if (r.empty()) return DecodeError::Truncated;
    uint8_t code = 0;
    while (r.u8(code)) {
      if (code > 2 && code != kSubackFailure) return DecodeError::InvalidQos;
      s.return_codes.push_back(code);
    }
  }
  out = std::move(s);
  return kOk;
}

DecodeError decode_unsubscribe(ByteReader& r, ProtocolLevel level, Packet& out) {
  Unsubscribe u;
  if (DecodeError e = read_packet_id(r, u.packet_id); e != kOk) return e;
  if (is_v5(level)) {
    if (DecodeError e = read_properties(r, PropertyContext::Unsubscribe, u.props); e != kOk) {
      return e;
    }
  }
  while (!r.empty()) {
    if (DecodeError e = read_filter(r, u.filters.emplace_back()); e != kOk) return e;
  }
  if (u.filters.empty()) return DecodeError::EmptySubscribe;  // [MQTT-3.10.3-2]
  out = std::move(u);
  return kOk;
}

// 3.1.1 UNSUBACK is the packet id alone (the fixed header ensured its size).
DecodeError decode_unsuback(ByteReader& r, ProtocolLevel level, Packet& out) {
  Unsuback u;
  if (DecodeError e = read_packet_id(r, u.packet_id); e != kOk) return e;
  if (is_v5(level)) {
    if (DecodeError e = read_properties(r, PropertyContext::Unsuback, u.props); e != kOk) return e;
    if (DecodeError e = read_reason_codes(r, PacketType::Unsuback, u.reason_codes); e != kOk) {
      return e;
    }
  }
  if (DecodeError e = expect_end(r); e != kOk) return e;
  out = std::move(u);
  return kOk;
}

}  // namespace edgemq::mqtt
